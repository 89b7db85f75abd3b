// Statistics the dashboard shows: per lock and lock class (contended %, wait total/p95/max, hold
// total, max waiters), per API call (latency percentiles and sorted latencies for the CDF, time
// waited per lock class), makespan. A thin adapter over @lockscope/trace's StatsAccumulator (the
// figures and their definitions are the trace package's, see its stats.ts) into the rows the
// tables and charts draw; waits still in progress (a live run) are added from its inProgress().

import { LOCK_CLASSES, StatsAccumulator, type LockClass, type LockContention, type Trace } from '@lockscope/trace';

export interface LockStatsRow {
  key: string;
  name: string;
  lockClass: string;
  acquisitions: number;
  contended: number;
  contendedPct: number;
  /** Finished waits plus waits in progress, ns. */
  waitTotal: number;
  /** p95 of the contended waits (waits > 0). */
  waitP95: number;
  waitMax: number;
  holdTotal: number;
  maxWaiters: number;
  /** Finished waits a per-domain lock would have removed, ns, and the acquisitions with some. */
  avoidableWait: number;
  avoidableContended: number;
}

export interface ApiStatsRow {
  name: string;
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** ns waited per lock class, indexed like LOCK_CLASSES (finished calls and calls still open). */
  waitByClass: number[];
  /** Sorted latencies (ns), for the histogram / CDF. */
  latencies: Float64Array;
}

export interface StatsSnapshot {
  locks: LockStatsRow[];
  classes: LockStatsRow[];
  apis: ApiStatsRow[];
  /** ns from the first API call's start to the last one's end (0 if none finished). */
  makespan: number;
  /** Total ns waited per lock class. */
  waitByClass: number[];
  waitTotal: number;
  /** ns of the finished waits a per-domain lock would have removed. */
  avoidableTotal: number;
  intervals: number;
}

/** What the statistics read: the trace, and how many intervals it has (shown). */
export interface StatsSource {
  readonly source: Trace;
  readonly size: number;
}

export class DashboardStats {
  private readonly acc = new StatsAccumulator();

  /** `index` is the timeline drawn from the same trace, or any source that knows its interval
   * count. */
  constructor(private readonly index: StatsSource) {}

  /** Reads the events added since the last call. */
  update(): void {
    this.acc.update(this.index.source);
  }

  snapshot(): StatsSnapshot {
    const s = this.acc.snapshot();
    const open = this.acc.inProgress();
    const openByLock = new Map<number, number>();
    for (const l of open.locks) openByLock.set(l.lock, l.waitTotal);
    const locks: LockStatsRow[] = [];
    for (const l of s.locks) {
      const inProgress = openByLock.get(l.lock) ?? 0;
      if (l.acquisitions === 0 && l.hold.count === 0 && inProgress <= 0) continue;
      locks.push(row(String(l.lock), l.name, l.class, l, inProgress));
    }
    const classes: LockStatsRow[] = [];
    for (const c of s.classes) {
      const r = row(c.class, c.class, c.class, c, open.waitByClass[c.class] ?? 0);
      if (r.acquisitions === 0 && r.contended === 0 && r.waitTotal === 0) continue;
      classes.push(r);
    }
    const apis = new Map<string, ApiStatsRow>();
    for (const a of s.apiCalls) {
      apis.set(a.label, {
        name: a.label,
        count: a.count,
        p50: a.latency.p50,
        p95: a.latency.p95,
        max: a.latency.max,
        waitByClass: byClassArray(a.waitByClass),
        latencies: this.acc.apiLatencies(a.label),
      });
    }
    for (const a of open.apiCalls) {
      let r = apis.get(a.label);
      if (!r) apis.set(a.label, (r = { name: a.label, count: 0, p50: 0, p95: 0, max: 0, waitByClass: byClassArray({}), latencies: new Float64Array(0) }));
      const w = byClassArray(a.waitByClass);
      for (let i = 0; i < w.length; i++) r.waitByClass[i] += w[i];
    }
    const apiRows = [...apis.values()].sort((a, b) => a.name.localeCompare(b.name));
    locks.sort((a, b) => b.waitTotal - a.waitTotal || a.name.localeCompare(b.name));
    classes.sort((a, b) => b.waitTotal - a.waitTotal);
    const waitByClass = LOCK_CLASSES.map((c) => classes.find((r) => r.lockClass === c)?.waitTotal ?? 0);
    return {
      locks,
      classes,
      apis: apiRows,
      makespan: s.apiMakespan,
      waitByClass,
      waitTotal: waitByClass.reduce((sum, x) => sum + x, 0),
      avoidableTotal: classes.reduce((sum, r) => sum + r.avoidableWait, 0),
      intervals: this.index.size,
    };
  }
}

function row(key: string, name: string, lockClass: LockClass, c: LockContention, waitInProgress: number): LockStatsRow {
  return {
    key,
    name,
    lockClass,
    acquisitions: c.acquisitions,
    contended: c.contended,
    contendedPct: c.contendedPct,
    waitTotal: c.wait.total + waitInProgress,
    waitP95: c.waitContended.p95,
    waitMax: c.wait.max,
    holdTotal: c.hold.total,
    maxWaiters: c.maxWaiters,
    avoidableWait: c.avoidableWait,
    avoidableContended: c.avoidableContended,
  };
}

function byClassArray(byClass: Partial<Record<LockClass, number>>): number[] {
  return LOCK_CLASSES.map((c) => byClass[c] ?? 0);
}
