// Work on whole traces off the page's thread: the statistics of a trace (a time range's cut, or a
// big recording), the decoding of a recording's bytes, and a share of a big trace's timeline
// index (its lanes move back to the page). Columns move between the page and
// this worker, they are not copied (see offthread.ts).

import { decodeBinaryTrace, traceFromTransfer, traceTransfer } from '@lockscope/trace';
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
      const index = new TimelineIndex(traceFromTransfer(request.trace), request.parts);
      index.update();
      const { share, transfer } = index.exportLanes();
      scope.postMessage({ id: request.id, kind: 'lanes', share }, transfer);
    } else {
      const { data, transfer } = traceTransfer(decodeBinaryTrace(request.bytes));
      scope.postMessage({ id: request.id, kind: 'trace', trace: data }, transfer);
    }
  } catch (err) {
    scope.postMessage({ id: request.id, kind: 'error', error: err instanceof Error ? err.message : String(err) });
  }
};
