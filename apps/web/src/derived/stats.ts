// Statistics the dashboard shows, accumulated incrementally from the intervals the timeline
// index closes: per lock and lock class (contended %, wait total/p95/max, hold total, max
// waiters), per API call (latency percentiles, time waited per lock class), makespan.
// @lockscope/trace has its own StatsAccumulator for the CLI and the server; this one exists
// because the dashboard needs what that one does not expose: each API call's sorted latencies
// (the CDF chart), waits still in progress (live runs), and figures computed from exactly the
// intervals the timeline draws.

import { LOCK_CLASSES, NONE, type Trace } from '@lockscope/trace';
import { GrowableF64 } from './growable.js';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

interface LockAcc {
  acquisitions: number;
  contended: number;
  waits: GrowableF64;
  waitTotal: number;
  waitMax: number;
  holdTotal: number;
  holdMax: number;
}

interface ApiAcc {
  latencies: GrowableF64;
  waitByClass: Float64Array;
}

export interface LockStatsRow {
  key: string;
  name: string;
  lockClass: string;
  acquisitions: number;
  contended: number;
  contendedPct: number;
  waitTotal: number;
  waitP95: number;
  waitMax: number;
  holdTotal: number;
  maxWaiters: number;
}

export interface ApiStatsRow {
  name: string;
  count: number;
  p50: number;
  p95: number;
  max: number;
  /** ns waited per lock class, indexed like LOCK_CLASSES. */
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
  intervals: number;
}

export class DashboardStats {
  private cursor = 0;
  private locks: LockAcc[] = [];
  private apis = new Map<string, ApiAcc>();
  private firstApiStart = Infinity;
  private lastApiEnd = 0;

  constructor(private readonly index: TimelineIndex) {}

  /** Consumes intervals closed since the last call. */
  update(): void {
    const ix = this.index;
    const trace: Trace = ix.source;
    const closed = ix.closed.data;
    const n = ix.closed.length;
    const start = ix.start.data;
    const end = ix.end.data;
    const kind = ix.kind.data;
    const ref = ix.ref.data;
    const api = ix.api.data;
    for (let c = this.cursor; c < n; c++) {
      const id = closed[c];
      const d = end[id] - start[id];
      const k = kind[id];
      if (k === IntervalKind.Span) {
        if (api[id] !== NONE) continue; // phases: only API-level spans make latencies
        const name = trace.labels[ref[id]] ?? '?';
        this.api(name).latencies.push(d);
        if (start[id] < this.firstApiStart) this.firstApiStart = start[id];
        if (end[id] > this.lastApiEnd) this.lastApiEnd = end[id];
        continue;
      }
      const acc = this.lock(ref[id]);
      if (k === IntervalKind.Wait) {
        if (d > 0) {
          acc.contended++;
          acc.waits.push(d);
          acc.waitTotal += d;
          if (d > acc.waitMax) acc.waitMax = d;
          const outer = api[id];
          if (outer !== NONE) {
            const name = trace.labels[ref[outer]] ?? '?';
            this.api(name).waitByClass[ix.lockClassOf(ref[id])] += d;
          }
        }
      } else {
        acc.acquisitions++;
        acc.holdTotal += d;
        if (d > acc.holdMax) acc.holdMax = d;
      }
    }
    this.cursor = n;
  }

  private lock(id: number): LockAcc {
    let acc = this.locks[id];
    if (!acc) {
      for (let i = this.locks.length; i <= id; i++) {
        this.locks[i] = { acquisitions: 0, contended: 0, waits: new GrowableF64(16), waitTotal: 0, waitMax: 0, holdTotal: 0, holdMax: 0 };
      }
      acc = this.locks[id];
    }
    return acc;
  }

  private api(name: string): ApiAcc {
    let acc = this.apis.get(name);
    if (!acc) this.apis.set(name, (acc = { latencies: new GrowableF64(16), waitByClass: new Float64Array(LOCK_CLASSES.length) }));
    return acc;
  }

  snapshot(): StatsSnapshot {
    const ix = this.index;
    const trace = ix.source;
    const locks: LockStatsRow[] = [];
    // Waits still in progress count up to the newest event, so a live run's waiting shows now,
    // not only once each wait ends.
    const openWait = new Map<number, number>();
    const openApiWait: Array<[string, number, number]> = [];
    for (const lane of ix.threadLanes) {
      for (const id of lane.waits.openIds()) {
        const d = ix.endTime - ix.start.data[id];
        if (d <= 0) continue;
        const lock = ix.ref.data[id];
        openWait.set(lock, (openWait.get(lock) ?? 0) + d);
        const outer = ix.api.data[id];
        if (outer !== NONE) openApiWait.push([trace.labels[ix.ref.data[outer]] ?? '?', ix.lockClassOf(lock), d]);
      }
    }
    const classAcc = LOCK_CLASSES.map(() => ({ acquisitions: 0, contended: 0, waits: [] as number[], waitTotal: 0, waitMax: 0, holdTotal: 0, maxWaiters: 0 }));
    for (let id = 0; id < trace.locks.length; id++) {
      const a = this.locks[id] ?? EMPTY_LOCK;
      const info = trace.locks[id];
      if (a === EMPTY_LOCK && !openWait.has(id)) continue;
      const waits = sorted(a.waits.data.subarray(0, a.waits.length));
      const maxWaiters = ix.lockLanes[id]?.maxWaiting ?? 0;
      const waitTotal = a.waitTotal + (openWait.get(id) ?? 0);
      locks.push({
        key: String(id),
        name: info.name,
        lockClass: info.class,
        acquisitions: a.acquisitions,
        contended: a.contended,
        contendedPct: a.acquisitions > 0 ? (100 * a.contended) / a.acquisitions : 0,
        waitTotal,
        waitP95: quantile(waits, 0.95),
        waitMax: a.waitMax,
        holdTotal: a.holdTotal,
        maxWaiters,
      });
      const c = classAcc[ix.lockClassOf(id)];
      c.acquisitions += a.acquisitions;
      c.contended += a.contended;
      for (let i = 0; i < waits.length; i++) c.waits.push(waits[i]);
      c.waitTotal += waitTotal;
      c.waitMax = Math.max(c.waitMax, a.waitMax);
      c.holdTotal += a.holdTotal;
      c.maxWaiters = Math.max(c.maxWaiters, maxWaiters);
    }
    const classes: LockStatsRow[] = [];
    classAcc.forEach((c, i) => {
      if (c.acquisitions === 0 && c.contended === 0 && c.waitTotal === 0) return;
      const waits = Float64Array.from(c.waits).sort();
      classes.push({
        key: LOCK_CLASSES[i],
        name: LOCK_CLASSES[i],
        lockClass: LOCK_CLASSES[i],
        acquisitions: c.acquisitions,
        contended: c.contended,
        contendedPct: c.acquisitions > 0 ? (100 * c.contended) / c.acquisitions : 0,
        waitTotal: c.waitTotal,
        waitP95: quantile(waits, 0.95),
        waitMax: c.waitMax,
        holdTotal: c.holdTotal,
        maxWaiters: c.maxWaiters,
      });
    });
    const apis: ApiStatsRow[] = [];
    const apiOpen = new Map<string, Float64Array>();
    for (const [name, cls, d] of openApiWait) {
      let w = apiOpen.get(name);
      if (!w) apiOpen.set(name, (w = new Float64Array(LOCK_CLASSES.length)));
      w[cls] += d;
      this.api(name);
    }
    for (const [name, a] of this.apis) {
      const open = apiOpen.get(name);
      const lat = sorted(a.latencies.data.subarray(0, a.latencies.length));
      apis.push({
        name,
        count: lat.length,
        p50: quantile(lat, 0.5),
        p95: quantile(lat, 0.95),
        max: lat.length ? lat[lat.length - 1] : 0,
        waitByClass: Array.from(a.waitByClass, (w, i) => w + (open ? open[i] : 0)),
        latencies: lat,
      });
    }
    apis.sort((a, b) => a.name.localeCompare(b.name));
    locks.sort((a, b) => b.waitTotal - a.waitTotal || a.name.localeCompare(b.name));
    classes.sort((a, b) => b.waitTotal - a.waitTotal);
    const waitByClass = LOCK_CLASSES.map((_, i) => classAcc[i].waitTotal);
    return {
      locks,
      classes,
      apis,
      makespan: this.lastApiEnd > this.firstApiStart ? this.lastApiEnd - this.firstApiStart : 0,
      waitByClass,
      waitTotal: waitByClass.reduce((s, x) => s + x, 0),
      intervals: ix.size,
    };
  }
}

const EMPTY_LOCK: LockAcc = { acquisitions: 0, contended: 0, waits: new GrowableF64(1), waitTotal: 0, waitMax: 0, holdTotal: 0, holdMax: 0 };

function sorted(xs: Float64Array): Float64Array {
  return Float64Array.from(xs).sort();
}

/** Nearest-rank quantile of sorted values (0 for none). */
export function quantile(sortedValues: ArrayLike<number>, q: number): number {
  const n = sortedValues.length;
  if (n === 0) return 0;
  const rank = Math.min(n - 1, Math.max(0, Math.ceil(q * n) - 1));
  return sortedValues[rank];
}
