// The preload library's file format (native/lockscope-preload.c writes it; keep both in sync).
//
// `<prefix>.events`: a 32-byte header, then 32-byte little-endian records:
//   u64 t (CLOCK_MONOTONIC ns) | u64 caller | u32 tid | u32 id | u8 op | u8 flags | u16 arg | u32 arg2
// `<prefix>.names`: one JSON object per line naming what the records refer to.

export const FILE_MAGIC = 'LSCOPEv1';
export const HEADER_BYTES = 32;
export const RECORD_BYTES = 32;

export const Op = {
  LockRequest: 1,
  LockAcquired: 2,
  LockReleased: 3,
  CondWait: 4,
  CondWoken: 5,
  JobRequest: 6,
  JobAcquired: 7,
  JobReleased: 8,
  ApiBegin: 9,
  ApiEnd: 10,
  PhaseBegin: 11,
  PhaseEnd: 12,
  Watermark: 13,
  ThreadExit: 14,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

/** `flags` of a lock record: the mode asked for (0 exclusive, 1 shared). */
export const LOCK_FLAG_SHARED = 1;

export interface RawRecord {
  t: bigint;
  caller: bigint;
  tid: number;
  id: number;
  op: number;
  flags: number;
  arg: number;
  arg2: number;
}

export interface FileHeader {
  recordBytes: number;
  pid: number;
  /** Monotonic time (ns) when the library started recording: time 0 of the trace. */
  t0: bigint;
}

/** Work phases recorded by the library (the `arg` of PhaseBegin): number -> span label. */
export const PHASES: Record<number, string> = {
  1: 'qemu: init',
  2: 'qemu: stop',
  3: 'qemu: kill',
  4: 'qemu: start CPUs',
  5: 'monitor: command', // with the QMP command's name when the recorder could read it
  6: 'command: run',
  7: 'security: set all labels',
  8: 'security: restore all labels',
  9: 'security: generate label',
  10: 'domain list: add',
};

/** RPC programs (the `arg` of ApiBegin). */
export const PROGRAMS: Record<number, string> = { 0: 'other', 1: 'remote', 2: 'qemu', 3: 'lxc' };

/** One line of the names file. */
export type NameEntry =
  | { process: number; exe: string; t0: number; offsets: number[]; libvirt?: number; readNames?: boolean }
  | { o: number; kind: 'object' | 'mutex' | 'rwlock'; class: string; name: string; addr: string; by: string }
  | { rename: number; name: string }
  | { job: number; kind: 'job' | 'async-job' | 'agent-job'; of: number; name: string }
  | { t: number; name: string }
  | { sym: string; name: string }
  | { module: string; base: string; start: string; end: string }
  | { qmp: number; name: string }
  | { call: number; subject: string };

export function parseHeader(bytes: Uint8Array): FileHeader {
  if (bytes.length < HEADER_BYTES) throw new Error(`events file too short for its header (${bytes.length} bytes)`);
  const magic = new TextDecoder().decode(bytes.subarray(0, 8));
  if (magic !== FILE_MAGIC) throw new Error(`not a Lockscope events file (magic ${JSON.stringify(magic)}, expected ${FILE_MAGIC})`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, HEADER_BYTES);
  const recordBytes = view.getUint32(8, true);
  if (recordBytes !== RECORD_BYTES) throw new Error(`unsupported record size ${recordBytes} (expected ${RECORD_BYTES})`);
  return { recordBytes, pid: view.getUint32(12, true), t0: view.getBigUint64(16, true) };
}

export function readRecord(view: DataView, offset: number): RawRecord {
  return {
    t: view.getBigUint64(offset, true),
    caller: view.getBigUint64(offset + 8, true),
    tid: view.getUint32(offset + 16, true),
    id: view.getUint32(offset + 20, true),
    op: view.getUint8(offset + 24),
    flags: view.getUint8(offset + 25),
    arg: view.getUint16(offset + 26, true),
    arg2: view.getUint32(offset + 28, true),
  };
}

/** Writes records in the library's format (tests and fixtures). */
export function encodeRecords(records: RawRecord[], header?: Partial<FileHeader>): Uint8Array {
  const out = new Uint8Array((header ? HEADER_BYTES : 0) + records.length * RECORD_BYTES);
  const view = new DataView(out.buffer);
  let o = 0;
  if (header) {
    out.set(new TextEncoder().encode(FILE_MAGIC), 0);
    view.setUint32(8, RECORD_BYTES, true);
    view.setUint32(12, header.pid ?? 1, true);
    view.setBigUint64(16, header.t0 ?? 0n, true);
    o = HEADER_BYTES;
  }
  for (const r of records) {
    view.setBigUint64(o, r.t, true);
    view.setBigUint64(o + 8, r.caller, true);
    view.setUint32(o + 16, r.tid, true);
    view.setUint32(o + 20, r.id, true);
    view.setUint8(o + 24, r.op);
    view.setUint8(o + 25, r.flags);
    view.setUint16(o + 26, r.arg, true);
    view.setUint32(o + 28, r.arg2, true);
    o += RECORD_BYTES;
  }
  return out;
}
