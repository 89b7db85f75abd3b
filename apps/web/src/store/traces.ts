// The large data lives here, outside React state: the trace columns, the derived timeline index
// and the statistics. zustand only holds a version number per slot, bumped after each ingest,
// so components redraw without React ever diffing a million intervals.

import { Trace } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from '../derived/stats.js';
import { TimelineIndex } from '../derived/timelineIndex.js';
import { statsOffThread } from '../derived/offthread.js';

export type TraceSlot = 'main' | 'compare';

export interface LoadedTrace {
  trace: Trace;
  index: TimelineIndex;
  stats: DashboardStats;
  /** Last statistics snapshot (recomputed at most a few times per second while live). */
  snapshot: StatsSnapshot | null;
  snapshotAt: number;
  /** A big trace loaded at once has its statistics counted in a Web Worker, once: until they
   * come back the snapshot is null. */
  offThread: boolean;
}

/** Events loaded at once above which the statistics are counted off the page's thread (a copy of
 * the columns goes to the worker: about 0.2 s for 10 M events, against seconds of counting). */
const OFF_THREAD_EVENTS = 1_000_000;

const slots: Record<TraceSlot, LoadedTrace | null> = { main: null, compare: null };

export function loaded(slot: TraceSlot = 'main'): LoadedTrace | null {
  return slots[slot];
}

/**
 * Starts a slot on a (possibly empty, growing) trace. `onStats` is called when statistics
 * counted off the page's thread come back (a big trace loaded at once). `index`: the trace's
 * index if it is already built (a recording's, by `indexOffThread`: on both cores when big).
 */
export function attachTrace(slot: TraceSlot, trace: Trace = new Trace(), onStats?: () => void, index = new TimelineIndex(trace)): LoadedTrace {
  const entry: LoadedTrace = { trace, index, stats: new DashboardStats(index), snapshot: null, snapshotAt: -Infinity, offThread: trace.length > OFF_THREAD_EVENTS };
  slots[slot] = entry;
  ingest(slot);
  if (entry.offThread) {
    statsOffThread(trace, index.size, true).then(
      (snapshot) => {
        if (slots[slot] !== entry) return;
        entry.snapshot = snapshot;
        onStats?.();
      },
      () => {
        // Counted here after all.
        if (slots[slot] !== entry) return;
        entry.offThread = false;
        entry.stats.update();
        onStats?.();
      },
    );
  }
  return entry;
}

export function clearTrace(slot: TraceSlot): void {
  slots[slot] = null;
}

/** Derives intervals and statistics from events appended since the last call. */
export function ingest(slot: TraceSlot): number {
  const entry = slots[slot];
  if (!entry) return 0;
  const n = entry.index.update();
  if (!entry.offThread) entry.stats.update();
  return n;
}

/**
 * The statistics snapshot, recomputed when older than `maxAgeMs` (percentiles sort, so a live
 * run does not redo them for every frame).
 */
export function statsSnapshot(slot: TraceSlot, now: number, maxAgeMs = 250): StatsSnapshot | null {
  const entry = slots[slot];
  if (!entry) return null;
  if (entry.offThread) return entry.snapshot;
  if (!entry.snapshot || now - entry.snapshotAt >= maxAgeMs) {
    entry.snapshot = entry.stats.snapshot();
    entry.snapshotAt = now;
  }
  return entry.snapshot;
}
