// Work on whole traces in a Web Worker (trace.worker.ts), so that millions of events leave the
// page responsive: the statistics of a trace, and the decoding of a recording. Where there is no
// Worker (unit tests), the same work runs here.

import { TraceError, decodeBinaryTrace, traceFromTransfer, traceTransfer, type Trace, type TraceTransfer } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';

export type WorkerRequest = { id: number; kind: 'stats'; trace: TraceTransfer; size: number } | { id: number; kind: 'decode'; bytes: Uint8Array };
export type WorkerReply = { id: number; kind: 'stats'; snapshot: StatsSnapshot } | { id: number; kind: 'trace'; trace: TraceTransfer } | { id: number; kind: 'error'; error: string };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

function traceWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  if (!worker) {
    worker = new Worker(new URL('./trace.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<WorkerReply>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      if (e.data.kind === 'error') p.reject(new Error(e.data.error));
      else p.resolve(e.data);
    };
  }
  return worker;
}

function ask(w: Worker, request: WorkerRequest, transfer: ArrayBuffer[]): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject });
    w.postMessage(request, transfer);
  });
}

/** The statistics of `trace` (which has `size` intervals), computed off this thread; `trace`
 * is handed over and must not be used after, unless `keep` (then a copy goes). */
export async function statsOffThread(trace: Trace, size: number, keep = false): Promise<StatsSnapshot> {
  const w = traceWorker();
  if (!w) {
    const stats = new DashboardStats({ source: trace, size });
    stats.update();
    return stats.snapshot();
  }
  const { data, transfer } = traceTransfer(trace, keep);
  const reply = await ask(w, { id: nextId++, kind: 'stats', trace: data, size }, transfer);
  if (reply.kind !== 'stats') throw new Error('the statistics worker answered something else');
  return reply.snapshot;
}

/** A binary trace file decoded off this thread (`bytes` is handed over). Rejects as
 * `decodeBinaryTrace` throws. */
export async function decodeOffThread(bytes: Uint8Array): Promise<Trace> {
  const w = traceWorker();
  if (!w) return decodeBinaryTrace(bytes);
  // A view of part of a buffer is copied out first: the whole buffer moves.
  const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
  let reply: WorkerReply;
  try {
    reply = await ask(w, { id: nextId++, kind: 'decode', bytes: own }, [own.buffer as ArrayBuffer]);
  } catch (err) {
    // A broken file stays a TraceError, as decodeBinaryTrace throws it here.
    throw new TraceError((err as Error).message);
  }
  if (reply.kind !== 'trace') throw new Error('the decoding worker answered something else');
  return traceFromTransfer(reply.trace);
}
