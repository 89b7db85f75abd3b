// Derived views of a trace: wait, hold and span intervals in typed-array columns, per-thread and
// per-lock indexes, queue depth over time, blocked-by edges and blocking chains.
//
// - A wait runs from lock.request to lock.acquired; every acquisition has one (an uncontended
//   acquisition has a wait of length 0). A hold runs from lock.acquired to lock.released.
//   A span runs from span.begin to span.end; depth 0 is the outermost span of its thread.
// - An interval still open at the end of the events read so far has `end = NaN` (use
//   `intervalEnd(i, trace.endTime)` to draw it up to the current end). It is closed in place
//   when its ending event arrives, so an index stays valid as the trace grows.
// - Intervals are stored in the order of their starting events, hence by start time.
// - Blocked-by edge: when a request finds the lock held in a conflicting mode (exclusive request:
//   any holder; shared request: an exclusive holder) by other threads, one edge per holder
//   waiter -> holder, at the request's time.
import { EventKind, Mode, NONE, type Trace } from './model.js';
import { GrowableF64, GrowableU32 } from './growable.js';

export const IntervalType = { Wait: 0, Hold: 1, Span: 2 } as const;
export type IntervalType = (typeof IntervalType)[keyof typeof IntervalType];

/** Intervals as columns; arrays may be longer than `length` (capacity). */
export class IntervalColumns {
  length = 0;
  /** ns */
  start: Float64Array;
  /** ns; NaN while open */
  end: Float64Array;
  thread: Uint32Array;
  /** lock id for waits and holds, label id for spans */
  ref: Uint32Array;
  type: Uint8Array;
  /** Mode for waits and holds, SPAN_KINDS index for spans */
  mode: Uint8Array;
  /** nesting depth of a span on its thread (0 = outermost); 0 for waits and holds */
  depth: Uint16Array;
  /** subject label of a span, NONE otherwise */
  subject: Uint32Array;
  /** index of the event that opened / closed the interval (NONE while open) */
  startEvent: Uint32Array;
  endEvent: Uint32Array;

  constructor(capacity = 1024) {
    this.start = new Float64Array(capacity);
    this.end = new Float64Array(capacity);
    this.thread = new Uint32Array(capacity);
    this.ref = new Uint32Array(capacity);
    this.type = new Uint8Array(capacity);
    this.mode = new Uint8Array(capacity);
    this.depth = new Uint16Array(capacity);
    this.subject = new Uint32Array(capacity);
    this.startEvent = new Uint32Array(capacity);
    this.endEvent = new Uint32Array(capacity);
  }

  /** The `ref` column under the name waits and holds give it. */
  get lock(): Uint32Array {
    return this.ref;
  }

  open(type: IntervalType, start: number, thread: number, ref: number, mode: number, depth: number, subject: number, event: number): number {
    if (this.length === this.start.length) this.grow(this.length * 2);
    const i = this.length++;
    this.start[i] = start;
    this.end[i] = NaN;
    this.thread[i] = thread;
    this.ref[i] = ref;
    this.type[i] = type;
    this.mode[i] = mode;
    this.depth[i] = depth;
    this.subject[i] = subject;
    this.startEvent[i] = event;
    this.endEvent[i] = NONE;
    return i;
  }

  /** Makes room for `extra` more intervals with at most one reallocation. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need > this.start.length) this.grow(Math.max(need, this.start.length * 2));
  }

  close(i: number, end: number, event: number): void {
    this.end[i] = end;
    this.endEvent[i] = event;
  }

  private grow(capacity: number): void {
    const n = this.length;
    const copy = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(a: T, make: (c: number) => T): T => {
      const b = make(capacity);
      b.set(a.subarray(0, n) as never);
      return b;
    };
    this.start = copy(this.start, (c) => new Float64Array(c));
    this.end = copy(this.end, (c) => new Float64Array(c));
    this.thread = copy(this.thread, (c) => new Uint32Array(c));
    this.ref = copy(this.ref, (c) => new Uint32Array(c));
    this.type = copy(this.type, (c) => new Uint8Array(c));
    this.mode = copy(this.mode, (c) => new Uint8Array(c));
    this.depth = copy(this.depth, (c) => new Uint16Array(c));
    this.subject = copy(this.subject, (c) => new Uint32Array(c));
    this.startEvent = copy(this.startEvent, (c) => new Uint32Array(c));
    this.endEvent = copy(this.endEvent, (c) => new Uint32Array(c));
  }
}

/** Events in [from, to) that open an interval (lock request, lock acquired, span begin). */
function countOpening(kind: Uint8Array, from: number, to: number): number {
  let n = 0;
  for (let i = from; i < to; i++) {
    const k = kind[i];
    if (k === EventKind.LockRequest || k === EventKind.LockAcquired || k === EventKind.SpanBegin) n++;
  }
  return n;
}

/** End of interval i, or `now` while it is open. */
export function intervalEnd(columns: IntervalColumns, i: number, now: number): number {
  const e = columns.end[i];
  return Number.isNaN(e) ? now : e;
}

/** Blocked-by edges as columns. */
export class EdgeColumns {
  readonly time = new GrowableF64();
  readonly waiter = new GrowableU32();
  readonly holder = new GrowableU32();
  readonly lock = new GrowableU32();
  readonly waitInterval = new GrowableU32();
  readonly holdInterval = new GrowableU32();
  get length(): number {
    return this.time.length;
  }
}

export interface BlockedByEdge {
  time: number;
  waiter: number;
  holder: number;
  lock: number;
  waitInterval: number;
  holdInterval: number;
}

/** Number of threads waiting on one lock over time: waiters[k] holds from time[k] on. */
export interface QueueDepth {
  time: GrowableF64;
  waiters: GrowableU32;
}

export interface ChainStep {
  /** The wait at this step, its thread and lock. */
  waitInterval: number;
  waiter: number;
  lock: number;
  /** The hold blocking it at the moment, and its thread. */
  holdInterval: number;
  holder: number;
}

export interface BlockingChain {
  steps: ChainStep[];
  /** The thread at the end of the chain: it holds what the previous one waits for and is not
   * itself blocked by a holder at that moment (it runs, or waits for a lock freed in that very
   * ns). NONE when the first wait was blocked by nobody. */
  root: number;
  /** True when the chain came back to a thread already in it: a deadlock. */
  cycle: boolean;
}

/** Which optional indexes an IntervalBuilder keeps (all by default). */
export interface IntervalBuilderOptions {
  /** Keep `byThread` (every interval of each thread). Default true; when false it stays empty. */
  byThread?: boolean;
  /** Keep `waitsByLock`. Default true; when false it stays empty. */
  waitsByLock?: boolean;
  /** Keep `queueDepth` (about two entries per wait). Default true; when false it stays
   * empty. */
  queueDepth?: boolean;
}

/**
 * Builds the derived views incrementally: `update(trace)` reads only the events added since the
 * previous call. Expects a valid trace (see validate.ts). A reader that does not use `byThread`
 * or `waitsByLock` can turn them off (`new IntervalBuilder({ byThread: false, waitsByLock: false })`).
 */
export class IntervalBuilder {
  readonly intervals = new IntervalColumns();
  readonly edges = new EdgeColumns();
  /** Per thread: indexes of all its intervals, in start order. */
  readonly byThread: GrowableU32[] = [];
  /** Per thread: indexes of its waits (a thread waits for one lock at a time). */
  readonly waitsByThread: GrowableU32[] = [];
  /** Per lock: indexes of its holds, in start order. */
  readonly holdsByLock: GrowableU32[] = [];
  /** Per lock: indexes of its waits, in start order. */
  readonly waitsByLock: GrowableU32[] = [];
  readonly queueDepth: QueueDepth[] = [];
  /** Indexes of the intervals closed so far, in the order they closed (by their ending event):
   * an incremental reader takes the entries after the length it saw last. */
  readonly closed = new GrowableU32();
  private next = 0;
  private pendingWait: number[] = [];
  private spanStack: number[][] = [];
  private openHolds: number[][] = [];
  private longestClosedHold: number[] = [];
  private waiting: number[] = [];
  private readonly keepByThread: boolean;
  private readonly keepWaitsByLock: boolean;
  private readonly keepQueueDepth: boolean;

  constructor(options: IntervalBuilderOptions = {}) {
    this.keepByThread = options.byThread ?? true;
    this.keepWaitsByLock = options.waitsByLock ?? true;
    this.keepQueueDepth = options.queueDepth ?? true;
  }

  /** Drops the spare room of the growing indexes, edges and queue depths (after a bulk load:
   * up to half of each is room a doubling left). */
  trim(): void {
    const e = this.edges;
    for (const g of [e.time, e.waiter, e.holder, e.lock, e.waitInterval, e.holdInterval, this.closed]) g.trim();
    for (const list of [this.byThread, this.waitsByThread, this.holdsByLock, this.waitsByLock]) for (const g of list) g.trim();
    for (const q of this.queueDepth) {
      q.time.trim();
      q.waiters.trim();
    }
  }

  /** Number of events read. */
  get position(): number {
    return this.next;
  }

  update(trace: Trace): void {
    while (this.waitsByThread.length < trace.threads.length) {
      if (this.keepByThread) this.byThread.push(new GrowableU32());
      this.waitsByThread.push(new GrowableU32());
      this.pendingWait.push(NONE);
      this.spanStack.push([]);
    }
    while (this.holdsByLock.length < trace.locks.length) {
      this.holdsByLock.push(new GrowableU32());
      if (this.keepWaitsByLock) this.waitsByLock.push(new GrowableU32());
      if (this.keepQueueDepth) this.queueDepth.push({ time: new GrowableF64(), waiters: new GrowableU32() });
      this.openHolds.push([]);
      this.longestClosedHold.push(0);
      this.waiting.push(0);
    }
    const iv = this.intervals;
    // Room for exactly the intervals the new events open (request, acquired, span begin): a
    // bulk load then allocates its columns once, without the spare room of a doubling.
    iv.reserve(countOpening(trace.kind, this.next, trace.length));
    const { time, thread, kind, ref, mode, arg } = trace;
    const n = trace.length;
    const { byThread, waitsByThread, waitsByLock, holdsByLock, pendingWait, openHolds, spanStack, waiting, closed, keepByThread, keepWaitsByLock } = this;
    for (let i = this.next; i < n; i++) {
      const t = time[i];
      const th = thread[i];
      switch (kind[i]) {
        case EventKind.LockRequest: {
          const lock = ref[i];
          const w = iv.open(IntervalType.Wait, t, th, lock, mode[i], 0, NONE, i);
          pendingWait[th] = w;
          if (keepByThread) byThread[th].push(w);
          waitsByThread[th].push(w);
          if (keepWaitsByLock) waitsByLock[lock].push(w);
          this.setQueue(lock, t, ++waiting[lock]);
          const open = openHolds[lock];
          for (let k = 0; k < open.length; k++) {
            const h = open[k];
            if (iv.thread[h] === th) continue;
            if (mode[i] === Mode.Shared && iv.mode[h] === Mode.Shared) continue;
            this.edges.time.push(t);
            this.edges.waiter.push(th);
            this.edges.holder.push(iv.thread[h]);
            this.edges.lock.push(lock);
            this.edges.waitInterval.push(w);
            this.edges.holdInterval.push(h);
          }
          break;
        }
        case EventKind.LockAcquired: {
          const lock = ref[i];
          const w = pendingWait[th];
          if (w !== NONE) {
            iv.close(w, t, i);
            closed.push(w);
            pendingWait[th] = NONE;
            this.setQueue(lock, t, --waiting[lock]);
          }
          const h = iv.open(IntervalType.Hold, t, th, lock, mode[i], 0, NONE, i);
          if (keepByThread) byThread[th].push(h);
          holdsByLock[lock].push(h);
          openHolds[lock].push(h);
          break;
        }
        case EventKind.LockReleased: {
          const lock = ref[i];
          // The thread's hold of the lock (locks are not recursive: at most one).
          const open = openHolds[lock];
          let k = 0;
          while (k < open.length && iv.thread[open[k]] !== th) k++;
          if (k === open.length) break;
          const h = open[k];
          if (k === open.length - 1) open.pop();
          else open.splice(k, 1);
          iv.close(h, t, i);
          closed.push(h);
          const d = t - iv.start[h];
          if (d > this.longestClosedHold[lock]) this.longestClosedHold[lock] = d;
          break;
        }
        case EventKind.SpanBegin: {
          const stack = spanStack[th];
          const s = iv.open(IntervalType.Span, t, th, ref[i], mode[i], stack.length, arg[i], i);
          stack.push(s);
          if (keepByThread) byThread[th].push(s);
          break;
        }
        case EventKind.SpanEnd: {
          const s = spanStack[th].pop();
          if (s !== undefined) {
            iv.close(s, t, i);
            closed.push(s);
          }
          break;
        }
        default:
          break;
      }
    }
    this.next = n;
  }

  private setQueue(lock: number, t: number, waiters: number): void {
    if (!this.keepQueueDepth) return;
    const q = this.queueDepth[lock];
    const last = q.time.length - 1;
    if (last >= 0 && q.time.data[last] === t) q.waiters.data[last] = waiters;
    else {
      q.time.push(t);
      q.waiters.push(waiters);
    }
  }

  /** Blocked-by edge k as an object. */
  edge(k: number): BlockedByEdge {
    const e = this.edges;
    return {
      time: e.time.data[k],
      waiter: e.waiter.data[k],
      holder: e.holder.data[k],
      lock: e.lock.data[k],
      waitInterval: e.waitInterval.data[k],
      holdInterval: e.holdInterval.data[k],
    };
  }

  /** Holds of `lock` in progress at time t (start <= t < end, or still open), as interval indexes. */
  holdsAt(lock: number, t: number): number[] {
    const iv = this.intervals;
    const list = this.holdsByLock[lock];
    const out: number[] = [];
    if (!list) return out;
    // Closed holds that cover t started within the longest closed hold before t.
    const earliest = t - this.longestClosedHold[lock];
    for (let k = lastStartAtOrBefore(iv, list, t); k >= 0; k--) {
      const h = list.data[k];
      if (iv.start[h] < earliest) break;
      if (iv.end[h] > t) out.push(h);
    }
    for (const h of this.openHolds[lock]) if (iv.start[h] <= t) out.push(h);
    return out.sort((a, b) => a - b);
  }

  /** The wait of `thread` in progress at time t (start <= t < end, or still open), or NONE. */
  waitAt(thread: number, t: number): number {
    const iv = this.intervals;
    const list = this.waitsByThread[thread];
    if (!list) return NONE;
    const k = lastStartAtOrBefore(iv, list, t);
    if (k < 0) return NONE;
    const w = list.data[k];
    const end = iv.end[w];
    return Number.isNaN(end) || end > t ? w : NONE;
  }

  /**
   * Follows a wait to the root of what blocks it, at the moment the wait began: the holder of
   * its lock, then, if that holder was itself waiting then, the holder of that lock, and so on.
   * Where several threads hold a lock (shared), the chain follows the earliest hold.
   */
  blockingChain(waitInterval: number): BlockingChain {
    const iv = this.intervals;
    const t = iv.start[waitInterval];
    const steps: ChainStep[] = [];
    const seen = new Set<number>([iv.thread[waitInterval]]);
    let w = waitInterval;
    for (;;) {
      const waiter = iv.thread[w];
      const lock = iv.ref[w];
      const holders = this.holdsAt(lock, t).filter((h) => iv.thread[h] !== waiter && !(iv.mode[w] === Mode.Shared && iv.mode[h] === Mode.Shared));
      if (holders.length === 0) return { steps, root: steps.length ? steps[steps.length - 1].holder : NONE, cycle: false };
      const h = holders[0];
      const holder = iv.thread[h];
      steps.push({ waitInterval: w, waiter, lock, holdInterval: h, holder });
      if (seen.has(holder)) return { steps, root: holder, cycle: true };
      seen.add(holder);
      const next = this.waitAt(holder, t);
      if (next === NONE) return { steps, root: holder, cycle: false };
      w = next;
    }
  }
}

/** Position in `list` (interval indexes in start order) of the last interval starting at or before t, or -1. */
function lastStartAtOrBefore(iv: IntervalColumns, list: GrowableU32, t: number): number {
  let lo = 0;
  let hi = list.length; // first position starting after t
  const data = list.data;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (iv.start[data[mid]] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** All derived views of a whole trace. */
export function deriveIntervals(trace: Trace): IntervalBuilder {
  const b = new IntervalBuilder();
  b.update(trace);
  return b;
}
