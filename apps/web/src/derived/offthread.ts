// Statistics of a trace computed in a Web Worker (stats.worker.ts), so that the statistics of a
// range of millions of events leave the page responsive. Where there is no Worker (unit tests),
// the same computation runs here.

import { traceTransfer, type Trace, type TraceTransfer } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';

export interface StatsRequest {
  id: number;
  trace: TraceTransfer;
  size: number;
}
export type StatsReply = { id: number; snapshot: StatsSnapshot } | { id: number; error: string };

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (s: StatsSnapshot) => void; reject: (e: Error) => void }>();

function statsWorker(): Worker | null {
  if (typeof Worker === 'undefined') return null;
  if (!worker) {
    worker = new Worker(new URL('./stats.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<StatsReply>) => {
      const p = pending.get(e.data.id);
      if (!p) return;
      pending.delete(e.data.id);
      if ('error' in e.data) p.reject(new Error(e.data.error));
      else p.resolve(e.data.snapshot);
    };
  }
  return worker;
}

/** The statistics of `trace` (which has `size` intervals), computed off this thread; `trace`
 * is handed over and must not be used after, unless `keep` (then a copy goes). */
export function statsOffThread(trace: Trace, size: number, keep = false): Promise<StatsSnapshot> {
  const w = statsWorker();
  if (!w) {
    const stats = new DashboardStats({ source: trace, size });
    stats.update();
    return Promise.resolve(stats.snapshot());
  }
  const id = nextId++;
  const { data, transfer } = traceTransfer(trace, keep);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, trace: data, size } satisfies StatsRequest, transfer);
  });
}
