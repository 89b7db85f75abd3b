// Derived views of a trace: wait, hold and span intervals, per-thread and per-lock indexes, queue
// depth over time, blocked-by edges and blocking chains.
//
// - A wait runs from lock.request to lock.acquired; every acquisition has one (an uncontended
//   acquisition has a wait of length 0). A hold runs from lock.acquired to lock.released.
//   A span runs from span.begin to span.end.
// - An interval is the pair of events that open and close it, nothing more: its time, thread,
//   lock or label and mode are read from the trace's own columns (one copy of each fact, and
//   8 bytes per interval). An interval still open at the end of the events read so far has no
//   closing event and `end(i) = NaN` (use `intervalEnd(columns, i, trace.endTime)` to draw it up to
//   the current end); it is closed in place when its ending event arrives, so an index stays valid
//   as the trace grows.
// - Intervals are numbered in the order of their opening events, hence by start time.
// - Blocked-by edge: when a request finds the lock held in a conflicting mode (exclusive request:
//   any holder; shared request: an exclusive holder) by other threads, one edge per holder
//   waiter -> holder, at the request's time.
import { EventKind, Mode, NONE, type Trace } from './model.js';
import { GrowableF64, GrowableU32 } from './growable.js';

export const IntervalType = { Wait: 0, Hold: 1, Span: 2 } as const;
export type IntervalType = (typeof IntervalType)[keyof typeof IntervalType];

/** The interval type an opening event starts, by EventKind (NONE for events that open none). */
const TYPE_OPENED_BY: readonly number[] = [IntervalType.Wait, IntervalType.Hold, NONE, IntervalType.Span, NONE, NONE];

/**
 * Intervals as the events that open and close them; `startEvent`/`endEvent` may be longer than
 * `length` (capacity). Every other fact is read through the trace.
 */
export class IntervalColumns {
  length = 0;
  /** Index of the event that opened each interval. */
  startEvent: Uint32Array;
  /** Index of the event that closed it, NONE while open. */
  endEvent: Uint32Array;

  constructor(
    readonly trace: Trace,
    capacity = 1024,
  ) {
    this.startEvent = new Uint32Array(capacity);
    this.endEvent = new Uint32Array(capacity);
  }

  /** Start, ns. */
  start(i: number): number {
    return this.trace.time[this.startEvent[i]];
  }

  /** End, ns; NaN while open. */
  end(i: number): number {
    const e = this.endEvent[i];
    return e === NONE ? NaN : this.trace.time[e];
  }

  isOpen(i: number): boolean {
    return this.endEvent[i] === NONE;
  }

  type(i: number): IntervalType {
    return TYPE_OPENED_BY[this.trace.kind[this.startEvent[i]]] as IntervalType;
  }

  thread(i: number): number {
    return this.trace.thread[this.startEvent[i]];
  }

  /** Lock id of a wait or hold, label id of a span. */
  ref(i: number): number {
    return this.trace.ref[this.startEvent[i]];
  }

  /** Mode of a wait or hold, SPAN_KINDS index of a span. */
  mode(i: number): number {
    return this.trace.mode[this.startEvent[i]];
  }

  /** Subject label of a span, NONE otherwise. */
  subject(i: number): number {
    const e = this.startEvent[i];
    return this.trace.kind[e] === EventKind.SpanBegin ? this.trace.arg[e] : NONE;
  }

  open(event: number): number {
    if (this.length === this.startEvent.length) this.grow(this.length * 2);
    const i = this.length++;
    this.startEvent[i] = event;
    this.endEvent[i] = NONE;
    return i;
  }

  /** Makes room for `extra` more intervals with at most one reallocation. */
  reserve(extra: number): void {
    const need = this.length + extra;
    if (need > this.startEvent.length) this.grow(Math.max(need, this.startEvent.length * 2));
  }

  close(i: number, event: number): void {
    this.endEvent[i] = event;
  }

  /** Drops the spare room (after a bulk load) when it is more than an eighth of what is used
   * (as Growable's trim: a reserve's margin stays). */
  trim(): void {
    if (this.startEvent.length - this.length > this.length >> 3) this.grow(this.length);
  }

  private grow(capacity: number): void {
    const n = this.length;
    const s = new Uint32Array(Math.max(1, capacity));
    s.set(this.startEvent.subarray(0, n));
    const e = new Uint32Array(Math.max(1, capacity));
    e.set(this.endEvent.subarray(0, n));
    this.startEvent = s;
    this.endEvent = e;
  }
}

/**
 * How many intervals a batch of events opens, estimated from every COUNT_STRIDE-th event: what a
 * bulk load needs to allocate its columns and its lists and pyramids about once (an estimate
 * short of the truth costs one more doubling; trim() returns what is left over).
 */
export interface OpeningCounts {
  /** Intervals opened in all (with a margin: room for them all but for a freak sample). */
  intervals: number;
  /** Per thread: waits (lock requests), holds (acquisitions) and spans begun. */
  waitsByThread: Float64Array;
  holdsByThread: Float64Array;
  spansByThread: Float64Array;
  /** Per lock: waits and holds. */
  waitsByLock: Float64Array;
  holdsByLock: Float64Array;
}

/** One event in this many is counted (an exact count is a pass over every event, for sizes
 * that a sample gives within a fraction of a percent). */
const COUNT_STRIDE = 8;

/** Counts the intervals events [from, to) open, from a sample. */
export function countOpening(trace: Trace, from: number, to: number): OpeningCounts {
  const nt = trace.threads.length;
  const nl = trace.locks.length;
  const { kind, thread, ref } = trace;
  // Row k of `byThread` / `byLock` counts sampled events of EventKind k.
  const byThread = new Float64Array(6 * nt);
  const byLock = new Float64Array(6 * nl);
  for (let i = from; i < to; i += COUNT_STRIDE) {
    const k = kind[i];
    byThread[k * nt + thread[i]] += COUNT_STRIDE;
    // Only lock events' ref is a lock; other kinds land in rows nobody reads, at index 0.
    byLock[k * nl + (k <= EventKind.LockReleased ? ref[i] : 0)] += COUNT_STRIDE;
  }
  const row = (a: Float64Array, k: number, n: number): Float64Array => a.slice(k * n, (k + 1) * n);
  const waitsByThread = row(byThread, EventKind.LockRequest, nt);
  const holdsByThread = row(byThread, EventKind.LockAcquired, nt);
  const spansByThread = row(byThread, EventKind.SpanBegin, nt);
  const sum = (a: Float64Array): number => a.reduce((x, y) => x + y, 0);
  const sampled = sum(waitsByThread) + sum(holdsByThread) + sum(spansByThread);
  return {
    // Never more than the events can open (one each).
    intervals: Math.min(to - from, Math.ceil(sampled * 1.02) + 1024),
    waitsByThread,
    holdsByThread,
    spansByThread,
    waitsByLock: row(byLock, EventKind.LockRequest, nl),
    holdsByLock: row(byLock, EventKind.LockAcquired, nl),
  };
}

/** End of interval i, or `now` while it is open. */
export function intervalEnd(columns: IntervalColumns, i: number, now: number): number {
  const e = columns.endEvent[i];
  return e === NONE ? now : columns.trace.time[e];
}

/** Blocked-by edges as the wait and the hold they join (time, threads and lock are theirs). */
export class EdgeColumns {
  readonly waitInterval = new GrowableU32();
  readonly holdInterval = new GrowableU32();
  get length(): number {
    return this.waitInterval.length;
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

const EMPTY = new Uint32Array(0);

/** Events read at once above which `update` first counts what they open (one quick pass) to
 * allocate everything at its final size. */
const BULK_EVENTS = 4096;

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

/** Events a listener hears at a time (their columns stay in cache while it reads them). */
export const BATCH_EVENTS = 1 << 16;

/** What the events `[from, to)` did to the intervals, per event (at `index - from`). */
export interface IntervalBatch {
  from: number;
  to: number;
  /** The interval each event closed, NONE if none. */
  closed: Uint32Array;
  /** The event that opened it (where `closed` is not NONE). */
  closedStart: Uint32Array;
  /** The interval the batch's first opening event opened: every request, acquisition (which
   * closes its wait first) and span begin opens the next, in event order. */
  firstOpened: number;
}

/**
 * What an incremental reader hears during `update`: batches of events with the intervals each
 * closed and opened, in event order, once the builder has read them (its columns and lists hold
 * them; its other state, e.g. `openSpans`, is the batch's end). Lets a reader build its own
 * indexes in the builder's single pass, each in a loop of its own over a batch rather than in a
 * call per interval.
 */
export interface IntervalListener {
  read(batch: IntervalBatch): void;
  /** The listener keeps the batches it hears (e.g. to send them to another thread): each is
   * then written into arrays of its own, not into ones the builder reuses. */
  keepsBatches?: boolean;
  /** Before a batch of many events is read: what it will open, to size what the listener
   * builds (the builder counts them anyway for its own columns). */
  willOpen?(counts: OpeningCounts): void;
}

/** A growable list as plain data. */
export interface ListState<A> {
  data: A;
  length: number;
}

/** A builder's whole state as plain data (see `IntervalBuilder.exportState`). */
export interface BuilderState {
  options: Required<IntervalBuilderOptions>;
  next: number;
  intervals: { length: number; startEvent: Uint32Array; endEvent: Uint32Array };
  edges: { waitInterval: ListState<Uint32Array>; holdInterval: ListState<Uint32Array> };
  byThread: ListState<Uint32Array>[];
  waitsByThread: ListState<Uint32Array>[];
  holdsByLock: ListState<Uint32Array>[];
  waitsByLock: ListState<Uint32Array>[];
  queueDepth: Array<{ time: ListState<Float64Array>; waiters: ListState<Uint32Array> }>;
  pendingWait: number[];
  spanStack: number[][];
  openHolds: number[][];
  longestClosedHold: number[];
  waiting: number[];
}

/**
 * Builds the derived views incrementally: `update()` reads only the events of its trace added
 * since the previous call. Expects a valid trace (see validate.ts). A reader that does not use
 * `byThread` or `waitsByLock` can turn them off (`new IntervalBuilder(trace, { byThread: false })`).
 */
export class IntervalBuilder {
  readonly intervals: IntervalColumns;
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
  private next = 0;
  private pendingWait: number[] = [];
  private spanStack: number[][] = [];
  private openHolds: number[][] = [];
  private longestClosedHold: number[] = [];
  private waiting: number[] = [];
  /** What each event of the current batch closed and opened, for the listener (allocated at
   * the first batch a listener hears). */
  private closedLog = EMPTY;
  private closedStartLog = EMPTY;
  private readonly keepByThread: boolean;
  private readonly keepWaitsByLock: boolean;
  private readonly keepQueueDepth: boolean;

  constructor(
    readonly trace: Trace,
    options: IntervalBuilderOptions = {},
  ) {
    this.intervals = new IntervalColumns(trace);
    this.keepByThread = options.byThread ?? true;
    this.keepWaitsByLock = options.waitsByLock ?? true;
    this.keepQueueDepth = options.queueDepth ?? true;
  }

  /** Drops the spare room of the columns, indexes, edges and queue depths (after a bulk load:
   * up to half of each is room a doubling left). */
  trim(): void {
    this.intervals.trim();
    const e = this.edges;
    for (const g of [e.waitInterval, e.holdInterval]) g.trim();
    for (const list of [this.byThread, this.waitsByThread, this.holdsByLock, this.waitsByLock]) for (const g of list) g.trim();
    for (const q of this.queueDepth) {
      q.time.trim();
      q.waiters.trim();
    }
  }

  /** Makes the per-thread and per-lock indexes of every thread and lock the trace has (`update`
   * does it first). */
  ensureIndexes(): void {
    const trace = this.trace;
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
  }

  /** Makes room for the intervals `counts` says the events still to read open, at most one
   * reallocation each (`update` does it before a bulk load; a reader that knows the counts of
   * events still to come may do it sooner). */
  reserve(counts: OpeningCounts): void {
    this.ensureIndexes();
    this.intervals.reserve(counts.intervals);
    // Lists from the estimate with some room; trim() returns what is left over.
    const room = (c: number): number => Math.ceil(c * 1.05) + 64;
    for (let th = 0; th < counts.waitsByThread.length; th++) {
      this.waitsByThread[th].reserve(room(counts.waitsByThread[th]));
      if (this.keepByThread) this.byThread[th].reserve(room(counts.waitsByThread[th] + counts.holdsByThread[th] + counts.spansByThread[th]));
    }
    for (let l = 0; l < counts.holdsByLock.length; l++) {
      this.holdsByLock[l].reserve(room(counts.holdsByLock[l]));
      if (this.keepWaitsByLock) this.waitsByLock[l].reserve(room(counts.waitsByLock[l]));
    }
  }

  /** Number of events read. */
  get position(): number {
    return this.next;
  }

  /** Reads the events appended to the trace since the last call; `listener` hears them in
   * batches, with the intervals each opened and closed. */
  update(listener?: IntervalListener): void {
    const trace = this.trace;
    this.ensureIndexes();
    const iv = this.intervals;
    // A bulk load: room for exactly what the new events open, allocated once, without the
    // spare room of a doubling.
    if (trace.length - this.next > BULK_EVENTS) {
      const counts = countOpening(trace, this.next, trace.length);
      this.reserve(counts);
      listener?.willOpen?.(counts);
    }
    const { time, thread, kind, ref, mode } = trace;
    const n = trace.length;
    const { byThread, waitsByThread, waitsByLock, holdsByLock, pendingWait, openHolds, spanStack, waiting, keepByThread, keepWaitsByLock } = this;
    const edges = this.edges;
    const log = listener !== undefined;
    for (let from = this.next; from < n; ) {
      const to = Math.min(n, from + BATCH_EVENTS);
      if (log && (listener.keepsBatches || this.closedLog.length === 0)) {
        const size = listener.keepsBatches ? to - from : BATCH_EVENTS;
        this.closedLog = new Uint32Array(size);
        this.closedStartLog = new Uint32Array(size);
      }
      const { closedLog, closedStartLog } = this;
      const firstOpened = iv.length;
      for (let i = from; i < to; i++) {
        const th = thread[i];
        let closed = NONE;
        let closedStart = 0;
        switch (kind[i]) {
          case EventKind.LockRequest: {
            const lock = ref[i];
            const w = iv.open(i);
            pendingWait[th] = w;
            if (keepByThread) byThread[th].push(w);
            waitsByThread[th].push(w);
            if (keepWaitsByLock) waitsByLock[lock].push(w);
            this.setQueue(lock, time[i], ++waiting[lock]);
            const open = openHolds[lock];
            for (let k = 0; k < open.length; k++) {
              const h = open[k];
              const he = iv.startEvent[h];
              if (thread[he] === th) continue;
              if (mode[i] === Mode.Shared && mode[he] === Mode.Shared) continue;
              edges.waitInterval.push(w);
              edges.holdInterval.push(h);
            }
            break;
          }
          case EventKind.LockAcquired: {
            const lock = ref[i];
            const w = pendingWait[th];
            if (w !== NONE) {
              iv.close(w, i);
              pendingWait[th] = NONE;
              this.setQueue(lock, time[i], --waiting[lock]);
              closed = w;
              closedStart = iv.startEvent[w];
            }
            const h = iv.open(i);
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
            while (k < open.length && thread[iv.startEvent[open[k]]] !== th) k++;
            if (k === open.length) break;
            const h = open[k];
            if (k === open.length - 1) open.pop();
            else open.splice(k, 1);
            iv.close(h, i);
            closedStart = iv.startEvent[h];
            const d = time[i] - time[closedStart];
            if (d > this.longestClosedHold[lock]) this.longestClosedHold[lock] = d;
            closed = h;
            break;
          }
          case EventKind.SpanBegin: {
            const s = iv.open(i);
            spanStack[th].push(s);
            if (keepByThread) byThread[th].push(s);
            break;
          }
          case EventKind.SpanEnd: {
            const s = spanStack[th].pop();
            if (s !== undefined) {
              iv.close(s, i);
              closed = s;
              closedStart = iv.startEvent[s];
            }
            break;
          }
          default:
            break;
        }
        if (log) {
          closedLog[i - from] = closed;
          closedStartLog[i - from] = closedStart;
        }
      }
      this.next = to;
      listener?.read({ from, to, closed: closedLog, closedStart: closedStartLog, firstOpened });
      if (listener?.keepsBatches) this.closedLog = this.closedStartLog = EMPTY;
      from = to;
    }
    this.next = n;
  }

  /** What this builder has read, as plain data whose buffers transfer (to a builder of the same
   * trace on another thread: `adoptState`); this builder must not be used after. */
  exportState(): { state: BuilderState; transfer: ArrayBuffer[] } {
    const transfer: ArrayBuffer[] = [];
    const list = <A extends Uint32Array | Float64Array>(g: ListState<A>): ListState<A> => {
      // (empty growables share one zero-length array: it is copied, not moved)
      if (g.data.byteLength > 0) transfer.push(g.data.buffer as ArrayBuffer);
      return { data: g.data, length: g.length };
    };
    const iv = this.intervals;
    transfer.push(iv.startEvent.buffer as ArrayBuffer, iv.endEvent.buffer as ArrayBuffer);
    const state: BuilderState = {
      options: this.options(),
      next: this.next,
      intervals: { length: iv.length, startEvent: iv.startEvent, endEvent: iv.endEvent },
      edges: { waitInterval: list(this.edges.waitInterval), holdInterval: list(this.edges.holdInterval) },
      byThread: this.byThread.map(list),
      waitsByThread: this.waitsByThread.map(list),
      holdsByLock: this.holdsByLock.map(list),
      waitsByLock: this.waitsByLock.map(list),
      queueDepth: this.queueDepth.map((q) => ({ time: list(q.time), waiters: list(q.waiters) })),
      pendingWait: this.pendingWait,
      spanStack: this.spanStack,
      openHolds: this.openHolds,
      longestClosedHold: this.longestClosedHold,
      waiting: this.waiting,
    };
    return { state, transfer: [...new Set(transfer)] };
  }

  /**
   * Takes over what another builder of the same trace read (`exportState`: a worker's, kept with
   * the same options) in place of reading it here. Lists keep their identity (whoever borrowed
   * one reads the adopted data), and `update` goes on from where the other stopped.
   */
  adoptState(state: BuilderState): void {
    const own = this.options();
    for (const key of Object.keys(own) as Array<keyof typeof own>) {
      if (state.options[key] !== own[key]) throw new Error(`a builder state kept with ${key} ${state.options[key]} cannot be adopted by one kept with ${own[key]}`);
    }
    if (state.next < this.next) throw new Error(`a builder state of ${state.next} events is behind this builder's ${this.next}`);
    this.ensureIndexes();
    if (state.waitsByThread.length !== this.waitsByThread.length || state.holdsByLock.length !== this.holdsByLock.length) throw new Error('the adopted builder state has other threads or locks than the trace');
    const set = <A extends Uint32Array | Float64Array>(g: ListState<A>, from: ListState<A>): void => {
      g.data = from.data;
      g.length = from.length;
    };
    const iv = this.intervals;
    iv.startEvent = state.intervals.startEvent;
    iv.endEvent = state.intervals.endEvent;
    iv.length = state.intervals.length;
    set(this.edges.waitInterval, state.edges.waitInterval);
    set(this.edges.holdInterval, state.edges.holdInterval);
    this.byThread.forEach((g, k) => set(g, state.byThread[k]));
    this.waitsByThread.forEach((g, k) => set(g, state.waitsByThread[k]));
    this.holdsByLock.forEach((g, k) => set(g, state.holdsByLock[k]));
    this.waitsByLock.forEach((g, k) => set(g, state.waitsByLock[k]));
    this.queueDepth.forEach((q, k) => {
      set(q.time, state.queueDepth[k].time);
      set(q.waiters, state.queueDepth[k].waiters);
    });
    this.pendingWait = state.pendingWait;
    this.spanStack = state.spanStack;
    this.openHolds = state.openHolds;
    this.longestClosedHold = state.longestClosedHold;
    this.waiting = state.waiting;
    this.next = state.next;
  }

  private options(): Required<IntervalBuilderOptions> {
    return { byThread: this.keepByThread, waitsByLock: this.keepWaitsByLock, queueDepth: this.keepQueueDepth };
  }

  /** Spans open on `thread` now, outermost first. */
  openSpans(thread: number): readonly number[] {
    return this.spanStack[thread] ?? [];
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
    const iv = this.intervals;
    const w = this.edges.waitInterval.data[k];
    const h = this.edges.holdInterval.data[k];
    return { time: iv.start(w), waiter: iv.thread(w), holder: iv.thread(h), lock: iv.ref(w), waitInterval: w, holdInterval: h };
  }

  /** The first thread holding what wait `w` asked for when it began (its first blocked-by
   * edge), or NONE if it found the lock free. */
  firstBlocker(w: number): number {
    const waits = this.edges.waitInterval;
    const data = waits.data;
    // Edges are pushed as their waits open: sorted by wait.
    let lo = 0;
    let hi = waits.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (data[mid] < w) lo = mid + 1;
      else hi = mid;
    }
    return lo < waits.length && data[lo] === w ? this.intervals.thread(this.edges.holdInterval.data[lo]) : NONE;
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
      if (iv.start(h) < earliest) break;
      if (iv.end(h) > t) out.push(h);
    }
    for (const h of this.openHolds[lock]) if (iv.start(h) <= t) out.push(h);
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
    return iv.isOpen(w) || iv.end(w) > t ? w : NONE;
  }

  /**
   * Follows a wait to the root of what blocks it, at the moment the wait began: the holder of
   * its lock, then, if that holder was itself waiting then, the holder of that lock, and so on.
   * Where several threads hold a lock (shared), the chain follows the earliest hold.
   */
  blockingChain(waitInterval: number): BlockingChain {
    const iv = this.intervals;
    const t = iv.start(waitInterval);
    const steps: ChainStep[] = [];
    const seen = new Set<number>([iv.thread(waitInterval)]);
    let w = waitInterval;
    for (;;) {
      const waiter = iv.thread(w);
      const lock = iv.ref(w);
      const holders = this.holdsAt(lock, t).filter((h) => iv.thread(h) !== waiter && !(iv.mode(w) === Mode.Shared && iv.mode(h) === Mode.Shared));
      if (holders.length === 0) return { steps, root: steps.length ? steps[steps.length - 1].holder : NONE, cycle: false };
      const h = holders[0];
      const holder = iv.thread(h);
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
  const time = iv.trace.time;
  const startEvent = iv.startEvent;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (time[startEvent[data[mid]]] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** All derived views of a whole trace. */
export function deriveIntervals(trace: Trace): IntervalBuilder {
  const b = new IntervalBuilder(trace);
  b.update();
  return b;
}
