// Work on whole traces off the page's thread: the statistics of a trace (a time range's cut, or a
// big recording), the decoding of a recording's bytes, and a share of a big trace's timeline
// index (the interval builder, and some lanes: its batches, builder and lanes move to the page).
// Columns are shared with the page where it is cross-origin isolated, and otherwise move between
// the page and this worker (see offthread.ts).

import { decodeBinaryTrace, sharedColumnsAvailable, traceFromTransfer, traceTransfer, type Trace } from '@lockscope/trace';
import { DashboardStats } from './stats.js';
import { TimelineIndex } from './timelineIndex.js';
import type { WorkerReply, WorkerRequest } from './offthread.js';

const scope = self as unknown as { onmessage: ((e: MessageEvent<WorkerRequest>) => void) | null; postMessage(reply: WorkerReply, transfer?: ArrayBuffer[]): void };

scope.onmessage = (e) => {
  const request = e.data;
  try {
    if (request.kind === 'stats') {
      const stats = new DashboardStats({ source: traceFromTransfer(request.trace), size: request.size });
      stats.update();
      scope.postMessage({ id: request.id, kind: 'stats', snapshot: stats.snapshot() });
    } else if (request.kind === 'lanes') {
      // Columns for the whole trace, filled as its pieces come (unless the first is all of it:
      // shared columns come whole).
      const { trace: first, total } = request;
      const whole = <A extends Float64Array | Uint32Array | Uint8Array>(piece: A): A => {
        if (piece.length >= total) return piece;
        const all = new (piece.constructor as new (n: number) => A)(total);
        all.set(piece);
        return all;
      };
      const trace = traceFromTransfer({ ...first, time: whole(first.time), thread: whole(first.thread), kind: whole(first.kind), ref: whole(first.ref), mode: whole(first.mode) });
      const index = new TimelineIndex(trace, request.parts);
      index.beginShared(request.counts, request.end);
      index.builder.reserve(request.counts);
      const load = { trace, index, total };
      loads.set(request.id, load);
      readMore(request.id, load);
    } else if (request.kind === 'events') {
      // (none: the load failed, and said so)
      const load = loads.get(request.id);
      if (!load) return;
      const { trace } = load;
      const { time, thread, kind, ref, mode } = request.columns;
      trace.time.set(time, request.from);
      trace.thread.set(thread, request.from);
      trace.kind.set(kind, request.from);
      trace.ref.set(ref, request.from);
      trace.mode.set(mode, request.from);
      trace.length = request.from + time.length;
      readMore(request.id, load);
    } else {
      // (on shared columns where the page can share them: then they are not even moved)
      const { data, transfer } = traceTransfer(decodeBinaryTrace(request.bytes, { shared: sharedColumnsAvailable() }));
      scope.postMessage({ id: request.id, kind: 'trace', trace: data }, transfer);
    }
  } catch (err) {
    loads.delete(request.id);
    scope.postMessage({ id: request.id, kind: 'error', error: err instanceof Error ? err.message : String(err) });
  }
};

/** Shared loads whose events are still coming, by request. */
const loads = new Map<number, { trace: Trace; index: TimelineIndex; total: number }>();

/** Reads the events of a shared load that have come; sends each batch to the page as soon as it
 * is read (its arrays move there), and the builder and lanes once all are read. */
function readMore(id: number, load: { trace: Trace; index: TimelineIndex; total: number }): void {
  load.index.update((batch) => scope.postMessage({ id, kind: 'batch', batch }, [batch.closed.buffer, batch.closedStart.buffer] as ArrayBuffer[]));
  if (load.trace.length < load.total) return;
  loads.delete(id);
  const { share, transfer } = load.index.exportLanes();
  scope.postMessage({ id, kind: 'lanes', share }, transfer);
}

