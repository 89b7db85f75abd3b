// Work on whole traces in a Web Worker (trace.worker.ts), so that millions of events leave the
// page responsive: the statistics of a trace, the decoding of a recording, and half the timeline
// index of a big trace. Where there is no Worker (unit tests), the same work runs here.

import { TraceError, countOpening, decodeBinaryTrace, traceFromTransfer, traceTransfer, type IntervalBatch, type OpeningCounts, type Trace, type TraceTransfer } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';
import { otherSide, TimelineIndex, type IndexParts, type LaneShare } from './timelineIndex.js';

export type WorkerRequest =
  | { id: number; kind: 'stats'; trace: TraceTransfer; size: number }
  | { id: number; kind: 'decode'; bytes: Uint8Array }
  | { id: number; kind: 'lanes'; trace: TraceTransfer; total: number; end: number; counts: OpeningCounts; parts: IndexParts }
  | { id: number; kind: 'events'; from: number; columns: EventColumns };
export type WorkerReply =
  | { id: number; kind: 'stats'; snapshot: StatsSnapshot }
  | { id: number; kind: 'trace'; trace: TraceTransfer }
  | { id: number; kind: 'batch'; batch: IntervalBatch }
  | { id: number; kind: 'lanes'; share: LaneShare }
  | { id: number; kind: 'error'; error: string };

/** The columns of a shared load's worker reads, for a piece of the events. */
export type EventColumns = Pick<TraceTransfer, 'time' | 'thread' | 'kind' | 'ref' | 'mode'>;

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void; onBatch?: (batch: IntervalBatch) => void }>();

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
      if (e.data.kind === 'batch') {
        // (one of several: the request's answer comes after them)
        p.onBatch?.(e.data.batch);
        return;
      }
      pending.delete(e.data.id);
      if (e.data.kind === 'error') p.reject(new Error(e.data.error));
      else p.resolve(e.data);
    };
  }
  return worker;
}

/** Posts a request; `onBatch` hears the batches the worker sends before its answer. */
function ask(w: Worker, request: WorkerRequest, transfer: ArrayBuffer[], onBatch?: (batch: IntervalBatch) => void): Promise<WorkerReply> {
  return new Promise((resolve, reject) => {
    pending.set(request.id, { resolve, reject, onBatch });
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

/** The lanes the worker builds in a shared bulk load, besides running the interval builder: the
 * span rows and half the lock lanes. The page builds the rest from the batches the worker sends
 * (the thread lanes' lock rows cost about as much as the builder). */
const WORKER_PARTS: IndexParts = { threadRows: false, spans: true, lockLanes: 'odd' };

/** Events per piece of a shared load's copy of the columns: the worker starts on the first while
 * the page copies the next. */
const PIECE_EVENTS = 1 << 20;

/**
 * The timeline index of a trace loaded at once, built on both cores. Above SHARED_INDEX_EVENTS the
 * columns go to the worker: shared columns as they are, otherwise a copy, in pieces. It runs the
 * interval builder (the one pass that numbers the intervals) over them as they come and builds
 * WORKER_PARTS, and sends each batch of events it has read, with the interval each event closed.
 * The page builds the other lanes from those batches as they come, then adopts the worker's
 * builder and lanes (they move, not copied). Without a Worker, or if the worker fails, all on
 * the page.
 */
export async function indexOffThread(trace: Trace): Promise<TimelineIndex> {
  const w = trace.length > SHARED_INDEX_EVENTS ? traceWorker() : null;
  if (!w) return wholeIndex(trace);
  const n = trace.length;
  // What the events open and when they end, for both sides to size their lanes once.
  const counts = countOpening(trace, 0, n);
  const end = trace.endTime;
  // A copy of the columns the worker reads (not the span subjects, nor the labels: its index
  // never reads them), the first piece with the request.
  const piece = (from: number, to: number): { columns: EventColumns; transfer: ArrayBuffer[] } => {
    const columns = { time: trace.time.slice(from, to), thread: trace.thread.slice(from, to), kind: trace.kind.slice(from, to), ref: trace.ref.slice(from, to), mode: trace.mode.slice(from, to) };
    return { columns, transfer: Object.values(columns).map((c) => c.buffer as ArrayBuffer) };
  };
  // Shared columns (a recording decoded in the worker of an isolated page) go as they are, at once.
  const whole = { columns: { time: trace.time, thread: trace.thread, kind: trace.kind, ref: trace.ref, mode: trace.mode }, transfer: [] };
  const id = nextId++;
  const first = trace.shared ? whole : piece(0, Math.min(n, PIECE_EVENTS));
  const firstLength = trace.shared ? n : first.columns.time.length;
  const data: TraceTransfer = { threads: trace.threads, locks: trace.locks, labels: [], meta: {}, length: firstLength, ...first.columns, arg: new Uint32Array(0) };
  const index = new TimelineIndex(trace, otherSide(WORKER_PARTS));
  let failed: unknown = null;
  const onBatch = (batch: IntervalBatch): void => {
    if (failed) return;
    try {
      index.read(batch);
      // (what the first draw would do, done while the worker reads the next batch)
      index.propagate();
    } catch (err) {
      failed = err;
    }
  };
  const reply = ask(w, { id, kind: 'lanes', trace: data, total: n, end, counts, parts: WORKER_PARTS }, first.transfer, onBatch);
  for (let from = firstLength; from < n; from += PIECE_EVENTS) {
    const { columns, transfer } = piece(from, Math.min(n, from + PIECE_EVENTS));
    w.postMessage({ id, kind: 'events', from, columns } satisfies WorkerRequest, transfer);
  }
  index.beginShared(counts, end);
  try {
    const answer = await reply;
    if (failed) throw failed;
    if (answer.kind !== 'lanes') throw new Error('the index worker answered something else');
    index.adoptLanes(answer.share);
    return index;
  } catch {
    // Built here after all.
    return wholeIndex(trace);
  }
}

function wholeIndex(trace: Trace): TimelineIndex {
  const index = new TimelineIndex(trace);
  index.update();
  return index;
}
