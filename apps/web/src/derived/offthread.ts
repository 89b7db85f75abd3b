// Work on whole traces in a Web Worker (trace.worker.ts), so that millions of events leave the
// page responsive: the statistics of a trace, the decoding of a recording, and half the timeline
// index of a big trace. Where there is no Worker (unit tests), the same work runs here.

import { TraceError, decodeBinaryTrace, traceFromTransfer, traceTransfer, type Trace, type TraceTransfer } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';
import { TimelineIndex, type IndexParts, type LaneShare } from './timelineIndex.js';

export type WorkerRequest =
  | { id: number; kind: 'stats'; trace: TraceTransfer; size: number }
  | { id: number; kind: 'decode'; bytes: Uint8Array }
  | { id: number; kind: 'lanes'; trace: TraceTransfer; parts: IndexParts };
export type WorkerReply =
  | { id: number; kind: 'stats'; snapshot: StatsSnapshot }
  | { id: number; kind: 'trace'; trace: TraceTransfer }
  | { id: number; kind: 'lanes'; share: LaneShare }
  | { id: number; kind: 'error'; error: string };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

/** Starts the worker ahead of its first job (a worker starting while the page is busy waits for
 * it: its first job would then start late). */
export function startTraceWorker(): void {
  traceWorker();
}

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

/** Events above which a trace loaded at once has part of its timeline index built in the worker. */
export const SHARED_INDEX_EVENTS = 1_000_000;

/** What the worker builds in a shared bulk load: the lock lanes, the API-call rows and the
 * blocked-by edges. The page builds the thread lanes' lock rows and the per-thread lists with its
 * own pass, then brings its pyramids up to date while the worker finishes. */
const WORKER_PARTS: IndexParts = { threadRows: false, spans: true, lockLanes: true, edges: true };

/**
 * The timeline index of a trace loaded at once, built on both cores: above SHARED_INDEX_EVENTS
 * a copy of the columns goes to the worker, which reads every event as the page does but builds
 * only WORKER_PARTS, while the page builds the rest; the page then adopts what the worker built
 * (it moves, not copies). Without a Worker, or if the worker fails, all on the page.
 */
export async function indexOffThread(trace: Trace): Promise<TimelineIndex> {
  const w = trace.length > SHARED_INDEX_EVENTS ? traceWorker() : null;
  if (!w) {
    const index = new TimelineIndex(trace);
    index.update();
    return index;
  }
  // A copy of the columns the worker's lanes read (not the span subjects, nor the labels: its
  // index never reads them).
  const n = trace.length;
  const data: TraceTransfer = {
    threads: trace.threads,
    locks: trace.locks,
    labels: [],
    meta: {},
    length: n,
    time: trace.time.slice(0, n),
    thread: trace.thread.slice(0, n),
    kind: trace.kind.slice(0, n),
    ref: trace.ref.slice(0, n),
    mode: trace.mode.slice(0, n),
    arg: new Uint32Array(0),
  };
  const reply = ask(w, { id: nextId++, kind: 'lanes', trace: data, parts: WORKER_PARTS }, [data.time, data.thread, data.kind, data.ref, data.mode].map((c) => c.buffer as ArrayBuffer));
  const index = new TimelineIndex(trace, { threadRows: true, spans: !WORKER_PARTS.spans, lockLanes: !WORKER_PARTS.lockLanes, edges: !WORKER_PARTS.edges });
  index.update();
  // (what the first draw would do, done while the worker is still busy)
  index.propagate();
  try {
    const answer = await reply;
    if (answer.kind !== 'lanes') throw new Error('the index worker answered something else');
    index.adoptLanes(answer.share);
    return index;
  } catch {
    // Built here after all.
    const whole = new TimelineIndex(trace);
    whole.update();
    return whole;
  }
}
