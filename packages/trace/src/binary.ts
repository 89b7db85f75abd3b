// Lockscope's binary trace format, for storage and for the wire (version 1).
//
// A *frame* carries the dictionary entries added since the previous frame and the events of a
// contiguous range, as packed columns. Layout (integers little-endian, varints unsigned LEB128,
// svarints zigzag LEB128, strings = varint byte length + UTF-8):
//
//   u8 0xB7 (frame tag) | u8 version | u32 body length | u32 CRC-32 of the body | body
//   body:
//     varint flags            bit 0: meta follows (JSON text of trace.meta, sent when it changed)
//     [string meta]
//     varint threadBase, varint count, count x (string name, u8 role index)
//     varint lockBase, varint count, count x (string name, u8 class index, u8 kind index,
//                                             u8 has subject, [string subject])
//     varint labelBase, varint count, count x string
//     varint eventBase (index of the first event in the trace), varint n
//     if n > 0:
//       svarint time of the first event, in integer ns
//       n x u8      kind | mode << 3 | (arg is set) << 6
//       n x varint  thread + 1 (0 = NONE)
//       n x varint  ref
//       m x varint  arg, for the m events whose arg is set
//       n x svarint time - time of the previous event (the first: 0), integer ns
//
// Bases must equal what the receiving trace already holds, so a lost, repeated or reordered
// frame is detected. A file is the 8 magic bytes "\x89LKSCOPE", a u8 file version, the frames,
// and an end record (u8 0xB8, "END", u32 event count) so that a file cut at a frame boundary is
// still seen as truncated.
//
// Times are rounded to integer ns (the simulator and the tracer produce integers; a fractional
// time, e.g. from a Chrome import, loses its sub-ns part). |time| must stay below 2^51 ns
// (26 days), so that zigzagged deltas remain exact in a JS number.
import { ByteReader, ByteWriter, crc32 } from './bytes.js';
import {
  EventKind,
  LOCK_CLASSES,
  LOCK_KINDS,
  MAX_TIME_NS,
  NONE,
  THREAD_ROLES,
  Trace,
  TraceError,
  metaProblem,
  type LockInfo,
  type ThreadInfo,
  type TraceMeta,
} from './model.js';

export const FRAME_TAG = 0xb7;
export const BINARY_VERSION = 1;
export const FRAME_HEADER_BYTES = 10;
/** "\x89LKSCOPE": the 0x89 keeps text tools from taking the file for text. */
export const FILE_MAGIC = new Uint8Array([0x89, 0x4c, 0x4b, 0x53, 0x43, 0x4f, 0x50, 0x45]);
export const FILE_HEADER_BYTES = FILE_MAGIC.length + 1;
/** Events per frame in files written by `encodeTrace`. */
export const FILE_FRAME_EVENTS = 65536;
export const END_TAG = 0xb8;
const END_BYTES = 8;

const MAX_TIME = MAX_TIME_NS;
const KIND_MASK = 0x07;
const MODE_SHIFT = 3;
const MODE_MASK = 0x07;
const ARG_FLAG = 0x40;
const FLAG_META = 1;

/**
 * Encodes frames for one receiver: remembers which dictionary entries and which meta it already
 * sent, so each frame carries only additions. Use one encoder per stream (per client).
 */
export class FrameEncoder {
  private threadsSent = 0;
  private locksSent = 0;
  private labelsSent = 0;
  private metaSent: string | null = null;
  private nextEvent = 0;
  private readonly out = new ByteWriter(1 << 16);

  /** `meta`: sent instead of each trace's own meta (e.g. a snapshot that says where it stops). */
  constructor(private readonly meta?: TraceMeta) {}

  /** Index of the first event not yet encoded (the default `from` of the next frame). */
  get position(): number {
    return this.nextEvent;
  }

  /**
   * A frame with the dictionary additions and events [from, to) of `trace`; `dropped` is the
   * number of events of the stream taken out of `trace` before (they count in the frame's base).
   */
  encode(trace: Trace, from = this.nextEvent, to = trace.length, dropped = 0): Uint8Array {
    if (!(Number.isInteger(from) && Number.isInteger(to) && 0 <= from && from <= to && to <= trace.length)) {
      throw new TraceError(`cannot encode events [${from}, ${to}) of a trace of ${trace.length}`);
    }
    const w = this.out;
    w.reset();
    w.ensure(FRAME_HEADER_BYTES);
    w.pos = FRAME_HEADER_BYTES;
    const meta = JSON.stringify(this.meta ?? trace.meta ?? {});
    const sendMeta = meta !== this.metaSent;
    w.varint(sendMeta ? FLAG_META : 0);
    if (sendMeta) w.string(meta);

    w.varint(this.threadsSent);
    w.varint(trace.threads.length - this.threadsSent);
    for (let i = this.threadsSent; i < trace.threads.length; i++) {
      const t = trace.threads[i];
      w.string(t.name);
      w.u8(indexIn(THREAD_ROLES, t.role, `thread ${i} role`));
    }
    w.varint(this.locksSent);
    w.varint(trace.locks.length - this.locksSent);
    for (let i = this.locksSent; i < trace.locks.length; i++) {
      const l = trace.locks[i];
      w.string(l.name);
      w.u8(indexIn(LOCK_CLASSES, l.class, `lock ${i} class`));
      w.u8(indexIn(LOCK_KINDS, l.kind, `lock ${i} kind`));
      w.u8(l.subject === undefined ? 0 : 1);
      if (l.subject !== undefined) w.string(l.subject);
    }
    w.varint(this.labelsSent);
    w.varint(trace.labels.length - this.labelsSent);
    for (let i = this.labelsSent; i < trace.labels.length; i++) w.string(trace.labels[i]);

    w.varint(dropped + from);
    const n = to - from;
    w.varint(n);
    if (n > 0) encodeEvents(w, trace, from, to);

    const bodyLength = w.pos - FRAME_HEADER_BYTES;
    w.bytes[0] = FRAME_TAG;
    w.bytes[1] = BINARY_VERSION;
    w.u32At(2, bodyLength);
    w.u32At(6, crc32(w.bytes, FRAME_HEADER_BYTES, w.pos));

    this.threadsSent = trace.threads.length;
    this.locksSent = trace.locks.length;
    this.labelsSent = trace.labels.length;
    this.metaSent = meta;
    this.nextEvent = to;
    return w.result();
  }
}

function indexIn(values: readonly string[], value: string, what: string): number {
  const i = values.indexOf(value);
  if (i < 0) throw new TraceError(`${what} ${JSON.stringify(value)} is not one of ${values.join(', ')}`);
  return i;
}

function roundedTime(trace: Trace, i: number): number {
  const t = Math.round(trace.time[i]);
  if (!(Math.abs(t) < MAX_TIME)) throw new TraceError(`time ${trace.time[i]} cannot be encoded (|t| must be < 2^51 ns)`, i);
  return t;
}

function encodeEvents(w: ByteWriter, trace: Trace, from: number, to: number): void {
  const n = to - from;
  const { kind, mode, thread, ref, arg } = trace;
  w.svarint(roundedTime(trace, from));

  w.ensure(n);
  const b = w.bytes;
  let p = w.pos;
  let argCount = 0;
  for (let i = from; i < to; i++) {
    const k = kind[i];
    const m = mode[i];
    if (k > EventKind.Mark || m > MODE_MASK) throw new TraceError(`kind ${k} / mode ${m} cannot be encoded`, i);
    const hasArg = arg[i] !== NONE;
    if (hasArg) argCount++;
    b[p++] = k | (m << MODE_SHIFT) | (hasArg ? ARG_FLAG : 0);
  }
  w.pos = p;

  w.ensure(n * 5);
  for (let i = from; i < to; i++) {
    const t = thread[i];
    w.varintUnchecked(t === NONE ? 0 : t + 1);
  }
  w.ensure(n * 5);
  for (let i = from; i < to; i++) w.varintUnchecked(ref[i]);
  if (argCount > 0) {
    w.ensure(argCount * 5);
    for (let i = from; i < to; i++) if (arg[i] !== NONE) w.varintUnchecked(arg[i]);
  }
  w.ensure(n * 8);
  const time = trace.time;
  let prev = Math.round(time[from]);
  for (let i = from; i < to; i++) {
    const t = Math.round(time[i]);
    if (!(t < MAX_TIME && t > -MAX_TIME)) roundedTime(trace, i);
    const d = t - prev;
    prev = t;
    w.varintUnchecked(d >= 0 ? d * 2 : -d * 2 - 1);
  }
}

/**
 * Decodes frames into a trace. A frame is checked whole (CRC, structure, ids within the
 * dictionaries, bases matching `into`) before anything is appended: a truncated or corrupt
 * frame throws `TraceError` and leaves `into` untouched.
 */
export class FrameDecoder {
  // Scratch columns, reused across frames to avoid per-frame allocation.
  private time = new Float64Array(0);
  private thread = new Uint32Array(0);
  private kind = new Uint8Array(0);
  private ref = new Uint32Array(0);
  private mode = new Uint8Array(0);
  private arg = new Uint32Array(0);

  /** Decodes one frame (exactly the bytes of one frame) and appends it to `into`. */
  decode(frame: Uint8Array, into: Trace): void {
    const end = this.decodeAt(frame, 0, into, 'binary frame');
    if (end !== frame.length) throw new TraceError(`binary frame: ${frame.length - end} byte(s) after the end of the frame`);
  }

  /**
   * Decodes the frame starting at `offset`, appends it to `into`, returns the offset after it.
   * `dropped` is the number of events of the stream that were taken out of `into` before (see
   * BinaryFileReader): the frame's first event must be event `dropped + into.length`.
   */
  decodeAt(bytes: Uint8Array, offset: number, into: Trace, what = 'binary frame', dropped = 0): number {
    const head = new ByteReader(bytes, offset, bytes.length, what);
    head.need(FRAME_HEADER_BYTES);
    const tag = head.u8();
    if (tag !== FRAME_TAG) head.fail(`not a Lockscope frame (tag 0x${tag.toString(16)}, expected 0xb7)`);
    const version = head.u8();
    if (version !== BINARY_VERSION) head.fail(`unsupported frame version ${version} (this Lockscope reads version ${BINARY_VERSION})`);
    const bodyLength = head.u32();
    const crc = head.u32();
    const start = head.pos;
    if (bodyLength > bytes.length - start) head.fail(`truncated: the frame body needs ${bodyLength} bytes, ${bytes.length - start} left`);
    const end = start + bodyLength;
    if (crc32(bytes, start, end) !== crc) head.fail('corrupt frame (CRC-32 mismatch)');
    this.decodeBody(new ByteReader(bytes, start, end, what), into, dropped);
    return end;
  }

  private decodeBody(r: ByteReader, into: Trace, dropped: number): void {
    const flags = r.varint();
    if (flags & ~FLAG_META) r.fail(`unknown flags ${flags}`);
    let meta: TraceMeta | null = null;
    if (flags & FLAG_META) {
      const text = r.string();
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        r.fail('meta is not valid JSON');
      }
      const problem = metaProblem(parsed);
      if (problem !== null) r.fail(problem);
      meta = parsed as TraceMeta;
    }

    const threadBase = r.varint();
    if (threadBase !== into.threads.length) r.fail(`thread dictionary continues at ${threadBase} but the trace has ${into.threads.length} threads (a frame was lost or repeated)`);
    const threads: ThreadInfo[] = [];
    for (let n = countOf(r, 2), j = 0; j < n; j++) {
      const name = r.string();
      const role = THREAD_ROLES[r.u8()];
      if (role === undefined) r.fail(`thread ${threadBase + j} has an unknown role`);
      threads.push({ id: threadBase + j, name, role });
    }
    const lockBase = r.varint();
    if (lockBase !== into.locks.length) r.fail(`lock dictionary continues at ${lockBase} but the trace has ${into.locks.length} locks (a frame was lost or repeated)`);
    const locks: LockInfo[] = [];
    for (let n = countOf(r, 4), j = 0; j < n; j++) {
      const name = r.string();
      const cls = LOCK_CLASSES[r.u8()];
      const kind = LOCK_KINDS[r.u8()];
      if (cls === undefined || kind === undefined) r.fail(`lock ${lockBase + j} has an unknown class or kind`);
      const hasSubject = r.u8();
      if (hasSubject > 1) r.fail(`lock ${lockBase + j}: bad subject flag`);
      const lock: LockInfo = { id: lockBase + j, name, class: cls, kind };
      if (hasSubject) lock.subject = r.string();
      locks.push(lock);
    }
    const labelBase = r.varint();
    if (labelBase !== into.labels.length) r.fail(`label dictionary continues at ${labelBase} but the trace has ${into.labels.length} labels (a frame was lost or repeated)`);
    const labels: string[] = [];
    for (let n = countOf(r, 1), j = 0; j < n; j++) labels.push(r.string());

    const eventBase = r.varint();
    if (eventBase !== dropped + into.length) r.fail(`events continue at ${eventBase} but the trace has ${dropped + into.length} events (a frame was lost or repeated)`);
    // Each event takes at least 4 bytes (kind, thread, ref, time), which bounds n before allocating.
    const n = countOf(r, 4);
    if (n > 0) this.decodeEvents(r, n, into.threads.length + threads.length, into.locks.length + locks.length, into.labels.length + labels.length, eventBase);
    if (r.remaining !== 0) r.fail(`${r.remaining} unexpected byte(s) at the end of the frame body`);

    // Everything checked: commit.
    for (const t of threads) into.threads.push(t);
    for (const l of locks) into.locks.push(l);
    into.appendLabels(labels);
    if (meta) into.meta = meta;
    if (n > 0) {
      into.reserve(n);
      const at = into.length;
      into.time.set(this.time.subarray(0, n), at);
      into.thread.set(this.thread.subarray(0, n), at);
      into.kind.set(this.kind.subarray(0, n), at);
      into.ref.set(this.ref.subarray(0, n), at);
      into.mode.set(this.mode.subarray(0, n), at);
      into.arg.set(this.arg.subarray(0, n), at);
      into.length = at + n;
    }
  }

  private ensureScratch(n: number): void {
    if (this.time.length >= n) return;
    const cap = Math.max(n, this.time.length * 2, 1024);
    this.time = new Float64Array(cap);
    this.thread = new Uint32Array(cap);
    this.kind = new Uint8Array(cap);
    this.ref = new Uint32Array(cap);
    this.mode = new Uint8Array(cap);
    this.arg = new Uint32Array(cap);
  }

  private decodeEvents(r: ByteReader, n: number, threadCount: number, lockCount: number, labelCount: number, base: number): void {
    this.ensureScratch(n);
    const { time, thread, kind, ref, mode, arg } = this;
    let t = r.svarint();
    r.need(n);
    const b = r.bytes;
    const kindStart = r.pos;
    let argCount = 0;
    for (let j = 0, p = kindStart; j < n; j++, p++) {
      const byte = b[p];
      const k = byte & KIND_MASK;
      if (k > EventKind.Mark || byte & 0x80) r.fail(`event ${base + j}: bad kind byte 0x${byte.toString(16)}`);
      kind[j] = k;
      mode[j] = (byte >> MODE_SHIFT) & MODE_MASK;
      if (byte & ARG_FLAG) argCount++;
    }
    r.pos += n;
    for (let j = 0; j < n; j++) {
      const v = r.varint();
      if (v > threadCount) r.fail(`event ${base + j}: unknown thread ${v - 1}`);
      thread[j] = v === 0 ? NONE : v - 1;
    }
    for (let j = 0; j < n; j++) {
      const v = r.varint();
      const k = kind[j];
      const limit = k <= EventKind.LockReleased ? lockCount : k === EventKind.SpanEnd ? 1 : labelCount;
      if (v >= limit) r.fail(`event ${base + j}: ref ${v} out of range`);
      ref[j] = v;
    }
    arg.fill(NONE, 0, n);
    if (argCount > 0) {
      for (let j = 0; j < n; j++) {
        if (!(b[kindStart + j] & ARG_FLAG)) continue;
        const v = r.varint();
        if (v >= labelCount) r.fail(`event ${base + j}: arg ${v} out of range`);
        arg[j] = v;
      }
    }
    for (let j = 0; j < n; j++) {
      t += r.svarint();
      if (!(Math.abs(t) < MAX_TIME)) r.fail(`event ${base + j}: time out of range`);
      time[j] = t;
    }
  }
}

/** Reads a count, rejecting counts that the remaining bytes cannot hold (corrupt lengths). */
function countOf(r: ByteReader, minBytesEach: number): number {
  const n = r.varint();
  if (n * minBytesEach > r.remaining) r.fail(`count ${n} exceeds the ${r.remaining} bytes left`);
  return n;
}

/** A whole trace as a file: magic, version, then frames of up to `FILE_FRAME_EVENTS` events. */
export function encodeTrace(trace: Trace, eventsPerFrame = FILE_FRAME_EVENTS): Uint8Array {
  if (!(eventsPerFrame >= 1)) throw new TraceError(`events per frame must be >= 1, not ${eventsPerFrame}`);
  eventsPerFrame = Math.floor(eventsPerFrame);
  const encoder = new FrameEncoder();
  const frames: Uint8Array[] = [];
  let from = 0;
  do {
    const to = Math.min(trace.length, from + eventsPerFrame);
    frames.push(encoder.encode(trace, from, to));
    from = to;
  } while (from < trace.length);
  let size = FILE_HEADER_BYTES + END_BYTES;
  for (const f of frames) size += f.length;
  const out = new Uint8Array(size);
  out.set(FILE_MAGIC, 0);
  out[FILE_MAGIC.length] = BINARY_VERSION;
  let at = FILE_HEADER_BYTES;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  out.set([END_TAG, 0x45, 0x4e, 0x44], at);
  new DataView(out.buffer).setUint32(at + 4, trace.length, true);
  return out;
}

export function hasBinaryMagic(bytes: Uint8Array): boolean {
  if (bytes.length < FILE_MAGIC.length) return false;
  for (let i = 0; i < FILE_MAGIC.length; i++) if (bytes[i] !== FILE_MAGIC[i]) return false;
  return true;
}

/**
 * Reads a file written by `encodeTrace`. Throws `TraceError` on a truncated or corrupt file;
 * no partial trace is ever returned. `shared`: the columns on SharedArrayBuffers (`Trace.shared`).
 */
export function decodeBinaryTrace(bytes: Uint8Array, options: { shared?: boolean } = {}): Trace {
  if (!hasBinaryMagic(bytes)) throw new TraceError('binary trace: missing the Lockscope magic bytes');
  if (bytes.length < FILE_HEADER_BYTES) throw new TraceError('binary trace: truncated header');
  const version = bytes[FILE_MAGIC.length];
  if (version !== BINARY_VERSION) throw new TraceError(`binary trace: unsupported version ${version} (this Lockscope reads version ${BINARY_VERSION})`);
  // The end record gives the event count: size the columns once (bounded by what the bytes can hold).
  const counted = bytes.length >= FILE_HEADER_BYTES + END_BYTES ? new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true) : 0;
  const trace = new Trace(Math.min(counted, Math.floor(bytes.length / 4)), options.shared);
  const decoder = new FrameDecoder();
  let at = FILE_HEADER_BYTES;
  for (;;) {
    if (at >= bytes.length) throw new TraceError(`binary trace: truncated after ${trace.length} events (no end record)`);
    if (bytes[at] === END_TAG) break;
    at = decoder.decodeAt(bytes, at, trace, 'binary trace');
  }
  if (bytes.length - at !== END_BYTES) throw new TraceError(`binary trace: the end record at byte ${at} has ${bytes.length - at} bytes, expected ${END_BYTES}`);
  const end = new DataView(bytes.buffer, bytes.byteOffset + at, END_BYTES);
  if (end.getUint32(0) !== ((END_TAG << 24) | 0x454e44) >>> 0) throw new TraceError(`binary trace: bad end record at byte ${at}`);
  if (end.getUint32(4, true) !== trace.length) throw new TraceError(`binary trace: the end record counts ${end.getUint32(4, true)} events, the frames hold ${trace.length}`);
  trace.compact();
  return trace;
}

/**
 * Reads a binary trace file pushed in chunks of any size, without ever holding the whole file:
 * `trace` keeps the dictionaries and meta, and the events decoded since the last `drop` (event i
 * of `trace` is event `dropped + i` of the file). Errors are those of `decodeBinaryTrace`.
 */
export class BinaryFileReader {
  readonly trace = new Trace();
  /** Events taken out of `trace` by `drop` so far. */
  dropped = 0;
  private readonly decoder = new FrameDecoder();
  private pending: Uint8Array = new Uint8Array(0);
  private headerRead = false;
  private endRecord: Uint8Array | null = null;

  /** Total events read so far. */
  get events(): number {
    return this.dropped + this.trace.length;
  }

  /** Decodes every complete frame of `chunk` (with what was left over from earlier chunks). */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.endRecord) throw new TraceError(`binary trace: ${chunk.length} byte(s) after the end record`);
    let bytes = chunk;
    if (this.pending.length > 0) {
      bytes = new Uint8Array(this.pending.length + chunk.length);
      bytes.set(this.pending);
      bytes.set(chunk, this.pending.length);
    }
    let at = 0;
    if (!this.headerRead) {
      if (bytes.length < FILE_HEADER_BYTES) {
        this.pending = new Uint8Array(bytes);
        return;
      }
      if (!hasBinaryMagic(bytes)) throw new TraceError('binary trace: missing the Lockscope magic bytes');
      const version = bytes[FILE_MAGIC.length];
      if (version !== BINARY_VERSION) throw new TraceError(`binary trace: unsupported version ${version} (this Lockscope reads version ${BINARY_VERSION})`);
      this.headerRead = true;
      at = FILE_HEADER_BYTES;
    }
    while (at < bytes.length) {
      if (bytes[at] === END_TAG) {
        if (bytes.length - at > END_BYTES) throw new TraceError(`binary trace: ${bytes.length - at - END_BYTES} byte(s) after the end record`);
        if (bytes.length - at < END_BYTES) break;
        this.endRecord = new Uint8Array(bytes.subarray(at, at + END_BYTES));
        at = bytes.length;
        break;
      }
      if (bytes.length - at < FRAME_HEADER_BYTES) break;
      const bodyLength = new DataView(bytes.buffer, bytes.byteOffset + at + 2, 4).getUint32(0, true);
      if (bytes.length - at - FRAME_HEADER_BYTES < bodyLength) break;
      at = this.decoder.decodeAt(bytes, at, this.trace, 'binary trace', this.dropped);
    }
    this.pending = at === bytes.length ? new Uint8Array(0) : new Uint8Array(bytes.subarray(at));
  }

  /** Takes the decoded events out of `trace` (their dictionaries stay). */
  drop(): void {
    this.dropped += this.trace.length;
    this.trace.length = 0;
  }

  /** Checks that the file ended with its end record and that the count matches. */
  finish(): void {
    if (!this.headerRead) throw new TraceError(this.pending.length === 0 ? 'empty input: no trace in it' : 'binary trace: truncated header');
    if (!this.endRecord) throw new TraceError(`binary trace: truncated after ${this.events} events (no end record)`);
    const end = new DataView(this.endRecord.buffer, this.endRecord.byteOffset, END_BYTES);
    if (end.getUint32(0) !== ((END_TAG << 24) | 0x454e44) >>> 0) throw new TraceError('binary trace: bad end record');
    if (end.getUint32(4, true) !== this.events) throw new TraceError(`binary trace: the end record counts ${end.getUint32(4, true)} events, the frames hold ${this.events}`);
  }
}

/**
 * Writes a binary trace file in frames as its events arrive, for traces held in windows (see
 * BinaryFileReader): `frames(trace, dropped)` encodes the events of `trace` not yet written,
 * where event i of `trace` is event `dropped + i` of the file.
 */
export class BinaryFileWriter {
  private readonly encoder: FrameEncoder;
  private written = 0;
  private anyFrame = false;

  /** `meta`: written instead of the trace's own meta. */
  constructor(meta?: TraceMeta) {
    this.encoder = new FrameEncoder(meta);
  }

  /** The file header. */
  header(): Uint8Array {
    const out = new Uint8Array(FILE_HEADER_BYTES);
    out.set(FILE_MAGIC, 0);
    out[FILE_MAGIC.length] = BINARY_VERSION;
    return out;
  }

  /** Frames of up to `eventsPerFrame` events, up to event `end` of `trace` (copies: each may be kept). */
  *frames(trace: Trace, dropped = 0, eventsPerFrame = FILE_FRAME_EVENTS, end = trace.length): Generator<Uint8Array> {
    let from = this.written - dropped;
    if (from < 0) throw new TraceError(`events [${dropped + from}, ${dropped}) were dropped before they were written`);
    while (from < end) {
      const to = Math.min(end, from + eventsPerFrame);
      this.anyFrame = true;
      yield this.encoder.encode(trace, from, to, dropped).slice();
      from = to;
      this.written = dropped + to;
    }
  }

  /** The end record; `trace` gives the dictionaries of a frame for an empty file. */
  end(trace: Trace, dropped = 0): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (!this.anyFrame) out.push(this.encoder.encode(trace, this.written - dropped, this.written - dropped, dropped).slice());
    this.anyFrame = true;
    const end = new Uint8Array(END_BYTES);
    end.set([END_TAG, 0x45, 0x4e, 0x44], 0);
    new DataView(end.buffer).setUint32(4, this.written, true);
    out.push(end);
    return out;
  }
}
