// The statistics of a cut trace (a time range), computed off the page's thread: the page sends
// the cut (its columns moved, not copied) and gets the snapshot back.

import { traceFromTransfer } from '@lockscope/trace';
import { DashboardStats } from './stats.js';
import type { StatsRequest, StatsReply } from './offthread.js';

const scope = self as unknown as { onmessage: ((e: MessageEvent<StatsRequest>) => void) | null; postMessage(reply: StatsReply): void };

scope.onmessage = (e) => {
  const { id, trace, size } = e.data;
  try {
    const stats = new DashboardStats({ source: traceFromTransfer(trace), size });
    stats.update();
    scope.postMessage({ id, snapshot: stats.snapshot() });
  } catch (err) {
    scope.postMessage({ id, error: err instanceof Error ? err.message : String(err) });
  }
};
