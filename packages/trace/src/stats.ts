// Statistics per lock, per lock class and per API call, the vocabulary of perf lock / lockstat.
//
// Units: every duration is in ns, as trace times are. Definitions:
// - acquisitions: lock.acquired events. wait = acquired.t - request.t (0 when uncontended);
//   contended: acquisitions whose wait is > 0; contendedPct = 100 * contended / acquisitions.
// - wait total/avg/p50/p95/max: over all acquisitions (avg = total / acquisitions). Percentiles
//   are exact, nearest rank (the smallest value >= p % of the values), over every wait seen.
// - hold total/avg/max: completed holds only (acquired -> released); a hold still open at the
//   end of the trace is not counted.
// - maxWaiters: the most threads waiting (requested, not yet acquired) on the lock at once,
//   counted after all events of one ns (a request acquired in the same ns does not count).
// - ownerChanges: acquisitions by a thread other than the lock's previous acquirer.
// - per lock class: the same, over all locks of the class (maxWaiters: the largest of one lock).
// - per API call (span kind `api`, grouped by label): completed calls only; latency = end - begin;
//   waitByClass = total wait of the acquisitions made on the call's thread while the call was the
//   innermost open API span there, per lock class.
// - waitContended: wait count/total/avg/p50/p95/max over the contended acquisitions only (the
//   waits > 0), for a lock most of whose acquisitions are uncontended.
// - avoidableWait / avoidableContended: the ns of wait a per-domain lock would have removed, and
//   the acquisitions with some (avoidable.ts defines it).
// - makespan: time of the last event - time of the first; apiMakespan: from the begin of the
//   first finished API call to the end of the last one (0 while none finished).
// - inProgress() (separate from the snapshot, for live traces): the waits begun and not yet
//   acquired, counted up to the last event read, per lock and class, and the waiting inside the
//   API calls still open (their finished waits plus their thread's wait in progress).
// - apiLatencies(label): the sorted latencies of one API call label (for a CDF).
//
// The accumulator is incremental (update() reads only the events added since the last call);
// snapshot() sorts only the waits and latencies added since the previous snapshot and merges them
// into the sorted ones (exact percentiles at O(n + k log k) per snapshot), and reuses the figures
// of locks no event touched since (treat snapshots as read-only).
import { EventKind, LOCK_CLASSES, NONE, SPAN_KINDS, type LockClass, type LockKind, type Trace } from './model.js';
import { SortedValues, percentileOfSorted } from './growable.js';
import { AvoidableTracker, type WaitVerdict } from './avoidable.js';

export interface DurationStats {
  count: number;
  total: number;
  avg: number;
  p50: number;
  p95: number;
  max: number;
}

export interface HoldStats {
  count: number;
  total: number;
  avg: number;
  max: number;
}

export interface LockContention {
  acquisitions: number;
  contended: number;
  contendedPct: number;
  wait: DurationStats;
  /** The same over contended acquisitions only (waits > 0). */
  waitContended: DurationStats;
  hold: HoldStats;
  maxWaiters: number;
  ownerChanges: number;
  /** ns of wait a per-domain lock would have removed (see avoidable.ts), and the acquisitions
   * with some of it. */
  avoidableWait: number;
  avoidableContended: number;
}

export interface LockStats extends LockContention {
  lock: number;
  name: string;
  class: LockClass;
  kind: LockKind;
  subject?: string;
}

export interface LockClassStats extends LockContention {
  class: LockClass;
  locks: number;
}

export interface ApiCallStats {
  label: string;
  count: number;
  latency: DurationStats;
  /** Total ns waited for locks inside these calls, per lock class (classes with waits only). */
  waitByClass: Partial<Record<LockClass, number>>;
  waitTotal: number;
}

export interface TraceStats {
  events: number;
  /** Time of the first and last events, ns (0 for an empty trace). */
  start: number;
  end: number;
  makespan: number;
  /** ns from the begin of the first finished API call to the end of the last one (0 if none). */
  apiMakespan: number;
  locks: LockStats[];
  classes: LockClassStats[];
  apiCalls: ApiCallStats[];
}

/** Waiting not finished at the last event read (see StatsAccumulator.inProgress). */
export interface InProgressStats {
  /** Time the waits in progress are counted up to: the last event's. */
  at: number;
  /** Threads waiting for a lock. */
  waiting: number;
  /** ns waited so far by the waits in progress. */
  waitTotal: number;
  /** Locks with waits in progress. */
  locks: Array<{ lock: number; name: string; class: LockClass; waiting: number; waitTotal: number }>;
  /** ns waited so far per lock class (classes with waits in progress only). */
  waitByClass: Partial<Record<LockClass, number>>;
  /** API call labels with calls still open: how many, and the ns waited inside them so far per
   * lock class (waits finished inside them plus their thread's wait in progress). */
  apiCalls: Array<{ label: string; open: number; waitByClass: Partial<Record<LockClass, number>>; waitTotal: number }>;
}

const API_KIND = SPAN_KINDS.indexOf('api');
const CLASS_COUNT = LOCK_CLASSES.length;

interface LockAcc {
  acquisitions: number;
  contended: number;
  waits: SortedValues;
  waitTotal: number;
  waitMax: number;
  holdCount: number;
  holdTotal: number;
  holdMax: number;
  waiters: number;
  /** time of the last change of `waiters`; `maxWaiters` includes values before that time */
  waitersSince: number;
  maxWaiters: number;
  lastAcquirer: number;
  ownerChanges: number;
  avoidableWait: number;
  avoidableContended: number;
  /** The last snapshot's figures, reused while no event touched the lock. */
  cached: LockStats | null;
}

interface OpenSpan {
  api: boolean;
  label: number;
  begin: number;
  waitByClass: Float64Array | null;
}

interface ApiAcc {
  latencies: SortedValues;
  latencyTotal: number;
  waitByClass: Float64Array;
}

function newLockAcc(): LockAcc {
  return {
    acquisitions: 0,
    contended: 0,
    waits: new SortedValues(),
    waitTotal: 0,
    waitMax: 0,
    holdCount: 0,
    holdTotal: 0,
    holdMax: 0,
    waiters: 0,
    waitersSince: -Infinity,
    maxWaiters: 0,
    lastAcquirer: NONE,
    ownerChanges: 0,
    avoidableWait: 0,
    avoidableContended: 0,
    cached: null,
  };
}

export class StatsAccumulator {
  private next = 0;
  private start = 0;
  private end = 0;
  private locks: LockAcc[] = [];
  private lockClass: number[] = [];
  private requestTime: number[] = [];
  private requestLock: number[] = [];
  private apiStart = Infinity;
  private apiEnd = -Infinity;
  private held: Map<number, number>[] = [];
  private spans: OpenSpan[][] = [];
  private apis = new Map<number, ApiAcc>();
  private trace: Trace | null = null;
  private readonly classWaits = Array.from({ length: CLASS_COUNT }, () => new SortedValues());
  private readonly avoidable = new AvoidableTracker();
  private readonly onWait = (v: WaitVerdict): void => {
    if (v.avoidable <= 0) return;
    const acc = this.locks[v.lock];
    acc.avoidableWait += v.avoidable;
    acc.avoidableContended++;
  };

  /** Reads the events added since the last update. Expects a valid trace (see validate.ts). */
  update(trace: Trace): void {
    this.trace = trace;
    while (this.locks.length < trace.locks.length) {
      this.lockClass.push(Math.max(0, LOCK_CLASSES.indexOf(trace.locks[this.locks.length].class)));
      this.locks.push(newLockAcc());
    }
    while (this.held.length < trace.threads.length) {
      this.requestTime.push(NaN);
      this.requestLock.push(NONE);
      this.held.push(new Map());
      this.spans.push([]);
    }
    const { time, thread, kind, ref, mode } = trace;
    const n = trace.length;
    if (this.next === 0 && n > 0) this.start = time[0];
    for (let i = this.next; i < n; i++) {
      const t = time[i];
      const th = thread[i];
      switch (kind[i]) {
        case EventKind.LockRequest: {
          const acc = this.locks[ref[i]];
          acc.cached = null;
          this.requestTime[th] = t;
          this.requestLock[th] = ref[i];
          setWaiters(acc, t, acc.waiters + 1);
          break;
        }
        case EventKind.LockAcquired: {
          const lock = ref[i];
          const acc = this.locks[lock];
          acc.cached = null;
          const requested = this.requestTime[th];
          const wait = Number.isNaN(requested) ? 0 : t - requested;
          this.requestTime[th] = NaN;
          setWaiters(acc, t, acc.waiters - 1);
          acc.acquisitions++;
          if (wait > 0) acc.contended++;
          acc.waits.push(wait);
          this.classWaits[this.lockClass[lock]].push(wait);
          acc.waitTotal += wait;
          if (wait > acc.waitMax) acc.waitMax = wait;
          if (acc.lastAcquirer !== th) {
            if (acc.lastAcquirer !== NONE) acc.ownerChanges++;
            acc.lastAcquirer = th;
          }
          this.held[th].set(lock, t);
          if (wait > 0) {
            const stack = this.spans[th];
            for (let s = stack.length - 1; s >= 0; s--) {
              const span = stack[s];
              if (span.waitByClass) {
                span.waitByClass[this.lockClass[lock]] += wait;
                break;
              }
            }
          }
          break;
        }
        case EventKind.LockReleased: {
          const lock = ref[i];
          const since = this.held[th].get(lock);
          if (since === undefined) break;
          this.held[th].delete(lock);
          const acc = this.locks[lock];
          acc.cached = null;
          const hold = t - since;
          acc.holdCount++;
          acc.holdTotal += hold;
          if (hold > acc.holdMax) acc.holdMax = hold;
          break;
        }
        case EventKind.SpanBegin: {
          const api = mode[i] === API_KIND;
          this.spans[th].push({ api, label: ref[i], begin: t, waitByClass: api ? new Float64Array(CLASS_COUNT) : null });
          break;
        }
        case EventKind.SpanEnd: {
          const span = this.spans[th].pop();
          if (!span || !span.api || !span.waitByClass) break;
          let acc = this.apis.get(span.label);
          if (!acc) {
            acc = { latencies: new SortedValues(), latencyTotal: 0, waitByClass: new Float64Array(CLASS_COUNT) };
            this.apis.set(span.label, acc);
          }
          acc.latencies.push(t - span.begin);
          acc.latencyTotal += t - span.begin;
          if (span.begin < this.apiStart) this.apiStart = span.begin;
          if (t > this.apiEnd) this.apiEnd = t;
          for (let c = 0; c < CLASS_COUNT; c++) acc.waitByClass[c] += span.waitByClass[c];
          break;
        }
        default:
          break;
      }
    }
    if (n > this.next) this.end = time[n - 1];
    this.next = n;
    this.avoidable.update(trace, this.onWait);
  }

  /** The statistics of the events read so far (names come from the trace last updated from). */
  snapshot(): TraceStats {
    const trace = this.trace;
    const lockStats: LockStats[] = [];
    const byClass: LockAcc[][] = Array.from({ length: CLASS_COUNT }, () => []);
    for (let l = 0; l < this.locks.length; l++) {
      const acc = this.locks[l];
      byClass[this.lockClass[l]].push(acc);
      if (acc.cached) {
        lockStats.push(acc.cached);
        continue;
      }
      const info = trace?.locks[l];
      const s: LockStats = {
        lock: l,
        name: info?.name ?? `lock ${l}`,
        class: LOCK_CLASSES[this.lockClass[l]],
        kind: info?.kind ?? 'mutex',
        ...contention([acc], acc.waits.sorted()),
      };
      if (info?.subject !== undefined) s.subject = info.subject;
      acc.cached = s;
      lockStats.push(s);
    }
    const classes: LockClassStats[] = [];
    for (let c = 0; c < CLASS_COUNT; c++) {
      const accs = byClass[c];
      if (accs.length === 0) continue;
      classes.push({ class: LOCK_CLASSES[c], locks: accs.length, ...contention(accs, this.classWaits[c].sorted()) });
    }
    const apiCalls: ApiCallStats[] = [];
    for (const [label, acc] of this.apis) {
      const { byClass: waitByClass, total: waitTotal } = classRecord(acc.waitByClass);
      apiCalls.push({
        label: trace?.labels[label] ?? `label ${label}`,
        count: acc.latencies.length,
        latency: durations(acc.latencies.sorted(), acc.latencyTotal),
        waitByClass,
        waitTotal,
      });
    }
    apiCalls.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    const apiMakespan = this.apiEnd > this.apiStart ? this.apiEnd - this.apiStart : 0;
    return { events: this.next, start: this.start, end: this.end, makespan: this.end - this.start, apiMakespan, locks: lockStats, classes, apiCalls };
  }

  /** The sorted latencies (ns) of the finished API calls with this label (empty if none). Do not
   * modify; valid until the next update. */
  apiLatencies(label: string): Float64Array {
    const labels = this.trace?.labels;
    for (const [id, acc] of this.apis) if (labels?.[id] === label) return acc.latencies.sorted();
    return new Float64Array(0);
  }

  /** The waiting not finished at the last event read (waits in progress count up to it). */
  inProgress(): InProgressStats {
    const trace = this.trace;
    const at = this.end;
    const lockWait = new Map<number, { waiting: number; waitTotal: number }>();
    const classWait = new Float64Array(CLASS_COUNT);
    const apiWait = new Map<number, { open: number; waitByClass: Float64Array }>();
    let waiting = 0;
    let waitTotal = 0;
    for (let th = 0; th < this.spans.length; th++) {
      const requested = this.requestTime[th];
      const lock = this.requestLock[th];
      const d = Number.isNaN(requested) ? NaN : at - requested;
      if (!Number.isNaN(d)) {
        waiting++;
        waitTotal += d;
        classWait[this.lockClass[lock]] += d;
        const l = lockWait.get(lock);
        if (l) {
          l.waiting++;
          l.waitTotal += d;
        } else lockWait.set(lock, { waiting: 1, waitTotal: d });
      }
      const stack = this.spans[th];
      let innermost = true;
      for (let s = stack.length - 1; s >= 0; s--) {
        const span = stack[s];
        if (!span.waitByClass) continue;
        let a = apiWait.get(span.label);
        if (!a) apiWait.set(span.label, (a = { open: 0, waitByClass: new Float64Array(CLASS_COUNT) }));
        a.open++;
        for (let c = 0; c < CLASS_COUNT; c++) a.waitByClass[c] += span.waitByClass[c];
        // A wait in progress belongs to the innermost open API call, as it will once acquired.
        if (innermost && d > 0) a.waitByClass[this.lockClass[lock]] += d;
        innermost = false;
      }
    }
    const locks: InProgressStats['locks'] = [];
    for (const [lock, l] of [...lockWait].sort((a, b) => a[0] - b[0])) {
      locks.push({ lock, name: trace?.locks[lock]?.name ?? `lock ${lock}`, class: LOCK_CLASSES[this.lockClass[lock]], ...l });
    }
    const apiCalls: InProgressStats['apiCalls'] = [];
    for (const [label, a] of apiWait) {
      const { byClass, total } = classRecord(a.waitByClass);
      apiCalls.push({ label: trace?.labels[label] ?? `label ${label}`, open: a.open, waitByClass: byClass, waitTotal: total });
    }
    apiCalls.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    return { at, waiting, waitTotal, locks, waitByClass: classRecord(classWait).byClass, apiCalls };
  }
}

function classRecord(values: Float64Array): { byClass: Partial<Record<LockClass, number>>; total: number } {
  const byClass: Partial<Record<LockClass, number>> = {};
  let total = 0;
  for (let c = 0; c < CLASS_COUNT; c++) {
    if (values[c] > 0) byClass[LOCK_CLASSES[c]] = values[c];
    total += values[c];
  }
  return { byClass, total };
}

/** Changes the waiter count at time t, committing the value that held until then to the max. */
function setWaiters(acc: LockAcc, t: number, waiters: number): void {
  if (t !== acc.waitersSince) {
    if (acc.waiters > acc.maxWaiters) acc.maxWaiters = acc.waiters;
    acc.waitersSince = t;
  }
  acc.waiters = waiters;
}

function durations(sorted: Float64Array, total: number): DurationStats {

  const count = sorted.length;
  return {
    count,
    total,
    avg: count ? total / count : 0,
    p50: count ? percentileOfSorted(sorted, 50) : 0,
    p95: count ? percentileOfSorted(sorted, 95) : 0,
    max: count ? sorted[count - 1] : 0,
  };
}

function contention(accs: LockAcc[], sortedWaits: Float64Array): LockContention {
  let acquisitions = 0;
  let contended = 0;
  let waitTotal = 0;
  let holdCount = 0;
  let holdTotal = 0;
  let holdMax = 0;
  let maxWaiters = 0;
  let ownerChanges = 0;
  let avoidableWait = 0;
  let avoidableContended = 0;
  for (const a of accs) {
    avoidableWait += a.avoidableWait;
    avoidableContended += a.avoidableContended;
    acquisitions += a.acquisitions;
    contended += a.contended;
    waitTotal += a.waitTotal;
    holdCount += a.holdCount;
    holdTotal += a.holdTotal;
    if (a.holdMax > holdMax) holdMax = a.holdMax;
    maxWaiters = Math.max(maxWaiters, a.maxWaiters, a.waiters);
    ownerChanges += a.ownerChanges;
  }
  return {
    acquisitions,
    contended,
    contendedPct: acquisitions ? (100 * contended) / acquisitions : 0,
    wait: durations(sortedWaits, waitTotal),
    // Waits are >= 0, so the contended ones (> 0) are the tail of the sorted waits.
    waitContended: durations(sortedWaits.subarray(sortedWaits.length - contended), waitTotal),
    hold: { count: holdCount, total: holdTotal, avg: holdCount ? holdTotal / holdCount : 0, max: holdMax },
    maxWaiters,
    ownerChanges,
    avoidableWait,
    avoidableContended,
  };
}

/** Statistics of a whole trace in one pass. */
export function computeStats(trace: Trace): TraceStats {
  const acc = new StatsAccumulator();
  acc.update(trace);
  return acc.snapshot();
}
