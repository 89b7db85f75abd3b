// What the timeline draws, on top of @lockscope/trace's IntervalBuilder: the builder derives the
// wait, hold and span intervals (columns), queue depth per lock, blocked-by edges and blocking
// chains from the trace; this index keeps only what drawing needs besides: lanes (per thread and
// per lock "slots" of non-overlapping intervals for binary search), the API span enclosing each
// interval, marks, and a level-of-detail pyramid per lane. Every lookup a frame needs is a binary
// search or a pyramid read, never a scan of the whole trace.

import { EventKind, IntervalBuilder, IntervalType, LOCK_CLASSES, NONE, SPAN_KINDS, type GrowableF64, type GrowableU32 as TraceGrowableU32, type LockClass, type Trace } from '@lockscope/trace';
import { GrowableU32, GrowableU8 } from './growable.js';
import { DEFAULT_MAX_BUCKETS, MaxMipmap } from './mipmap.js';
import { SlotSet, type IntervalTimes } from './slots.js';

/** The builder's interval types, under the name the drawing code uses. */
export const IntervalKind = IntervalType;
export type IntervalKind = IntervalType;

/**
 * Lane pixel values, ordered by importance so that "max" picks what a pixel must show:
 * waiting beats holding beats idle. The low bits carry the lock class for the colour.
 */
export const LaneValue = {
  holdBase: 16,
  waitBase: 32,
} as const;
export function holdValue(lockClass: number): number {
  return LaneValue.holdBase + lockClass;
}
export function waitValue(lockClass: number): number {
  return LaneValue.waitBase + lockClass;
}
export function isWaitValue(v: number): boolean {
  return v >= LaneValue.waitBase;
}
export function classOfValue(v: number): number {
  return v & 15;
}

/** Span-row values: API calls and queued time on the top row, phases on the row below. */
export const SpanValue = { queue: 1, api: 2 } as const;

/** Hold nesting depths drawn as rows of their own; deeper holds share the last row. */
export const MAX_DEPTH_ROWS = 5;

export interface ThreadLane {
  thread: number;
  waits: SlotSet;
  /** Holds in slots by nesting depth: a hold takes the lowest depth free when it begins, so a
   * hold nested in another lands one row below it. */
  holds: SlotSet;
  /** Spans by nesting depth: 0 = API call (or queued time), 1+ = phases. */
  spans: SlotSet[];
  /** Lock rows by nesting depth (at most MAX_DEPTH_ROWS): max(wait/hold value) per bucket. A
   * wait is drawn on the row its hold will take. */
  lods: MaxMipmap[];
  /** Span rows: depth 0 and depth 1+. */
  spanLod: MaxMipmap;
  phaseLod: MaxMipmap;
  openSpans: number[];
}

export interface LockLane {
  lock: number;
  holds: SlotSet;
  /** Queue depth over time as a step function (the builder's queueDepth): at depthTime[i] the
   * depth became depth[i]. */
  depthTime: GrowableF64;
  depth: TraceGrowableU32;
  waiting: number;
  maxWaiting: number;
  /** Threads holding the lock now (one, except for shared holds). */
  holders: number[];
  /** value = 1 while held, 1 + depth while someone waits. */
  lod: MaxMipmap;
  lastChange: number;
  totalWait: number;
}

export interface Mark {
  t: number;
  label: string;
}

/** A read-only view of one interval column: `data` beyond `length` is spare room. */
export interface ColumnView<A> {
  readonly data: A;
  readonly length: number;
}

export class TimelineIndex {
  /** The derived intervals, edges, queue depth and chains (columns shared, not copied). */
  /** Without `byThread` and `waitsByLock`: drawing has its own lanes, and the chains need only
   * `waitsByThread` and `holdsByLock`. */
  readonly builder = new IntervalBuilder({ byThread: false, waitsByLock: false });
  // ---- interval columns: views of the builder's (refreshed by update) ----
  start: ColumnView<Float64Array>;
  /** End ns; NaN while open (use endOf / isOpen). */
  end: ColumnView<Float64Array>;
  kind: ColumnView<Uint8Array>;
  thread: ColumnView<Uint32Array>;
  /** lock id for waits/holds; label id for spans. */
  ref: ColumnView<Uint32Array>;
  /** lock mode for waits/holds; SPAN_KINDS index for spans. */
  mode: ColumnView<Uint8Array>;
  // ---- drawing's own columns ----
  /** waits: the first thread blocking it when the wait began (the builder's first blocked-by
   * edge; NONE if none); spans: subject label id or NONE. */
  readonly aux = new GrowableU32(1024);
  /** The outermost span open on the interval's thread when it began (NONE if none). */
  readonly api = new GrowableU32(1024);
  /** Lock row of waits and holds: the hold nesting depth (capped at MAX_DEPTH_ROWS - 1). */
  readonly depth = new GrowableU8(1024);

  threadLanes: ThreadLane[] = [];
  lockLanes: LockLane[] = [];
  marks: Mark[] = [];
  /** Events of the trace already consumed. */
  processed = 0;
  /** Time of the newest event seen. */
  endTime = 0;
  /** Lock class index per lock id (cached from the dictionary). */
  private lockClass: number[] = [];
  private closedSeen = 0;
  /** Trace end known at a bulk load: pyramids of deeper rows created later are sized for it. */
  private reserveEnd = 0;
  /** Finest buckets of the lock rows' pyramids (raised for big traces at a bulk load). */
  private lodBudget = DEFAULT_MAX_BUCKETS;
  private edgesSeen = 0;

  constructor(private readonly trace: Trace) {
    this.start = this.end = { data: new Float64Array(0), length: 0 };
    this.kind = this.mode = { data: new Uint8Array(0), length: 0 };
    this.thread = this.ref = { data: new Uint32Array(0), length: 0 };
    this.refreshViews();
  }

  get source(): Trace {
    return this.trace;
  }

  get size(): number {
    return this.builder.intervals.length;
  }

  /** Current column views for slot queries. */
  times(): IntervalTimes {
    const iv = this.builder.intervals;
    return { start: iv.start, end: iv.end };
  }

  private refreshViews(): void {
    const iv = this.builder.intervals;
    const length = iv.length;
    this.start = { data: iv.start, length };
    this.end = { data: iv.end, length };
    this.kind = { data: iv.type, length };
    this.thread = { data: iv.thread, length };
    this.ref = { data: iv.ref, length };
    this.mode = { data: iv.mode, length };
  }

  /** Consumes the events appended since the last call. Returns how many were consumed. */
  update(): number {
    const tr = this.trace;
    const from = this.processed;
    const n = tr.length;
    const b = this.builder;
    const iv = b.intervals;
    let nextOpen = iv.length;
    b.update(tr);
    const opened = iv.length;
    if (opened - nextOpen > 4096) {
      this.aux.reserve(opened - nextOpen);
      this.api.reserve(opened - nextOpen);
      this.depth.reserve(opened - nextOpen);
    }
    for (let i = this.threadLanes.length; i < tr.threads.length; i++) this.threadLanes.push(newThreadLane(i));
    for (let i = this.lockLanes.length; i < tr.locks.length; i++) {
      const q = b.queueDepth[i];
      this.lockLanes.push(newLockLane(i, q.time, q.waiters));
      this.lockClass.push(LOCK_CLASSES.indexOf(tr.locks[i].class as LockClass));
    }
    if (from === 0 && n > 4096) {
      // A bulk load: size every lane's pyramid for the whole trace at once. A big trace gets
      // finer lock-row pyramids (about 3 buckets per event of a lane, up to 2^20), so that a
      // zoomed-in frame still reads a pyramid instead of walking tens of thousands of intervals.
      const end = tr.time[n - 1];
      this.reserveEnd = end;
      const perLane = n / Math.max(1, tr.threads.length);
      this.lodBudget = Math.min(1 << 20, Math.max(DEFAULT_MAX_BUCKETS, 2 ** Math.ceil(Math.log2(3 * perLane))));
      for (const lane of this.threadLanes) {
        if (lane.lods[0].bytes <= 64) lane.lods[0] = new MaxMipmap(this.lodBudget);
        lane.lods[0].reserve(end);
        lane.spanLod.reserve(end);
        lane.phaseLod.reserve(end);
      }
      for (const ll of this.lockLanes) ll.lod.reserve(end);
    }
    // The builder's intervals opened and closed by the new events, in event order (an acquired
    // closes its wait, then opens its hold).
    const closed = b.closed.data;
    const closedN = b.closed.length;
    let nextClose = this.closedSeen;
    const { startEvent, endEvent } = iv;
    const time = tr.time;
    for (let i = from; i < n; i++) {
      const t = time[i];
      if (t > this.endTime) this.endTime = t;
      if (nextClose < closedN && endEvent[closed[nextClose]] === i) this.onClose(closed[nextClose++], t);
      if (nextOpen < opened && startEvent[nextOpen] === i) this.onOpen(nextOpen++, t);
      else if (tr.kind[i] === EventKind.Mark) this.marks.push({ t, label: tr.labels[tr.ref[i]] ?? '' });
    }
    this.closedSeen = nextClose;
    // The first blocked-by edge of each new wait names its holder.
    const edges = b.edges;
    const aux = this.aux.data;
    for (let k = this.edgesSeen; k < edges.length; k++) {
      const w = edges.waitInterval.data[k];
      if (aux[w] === NONE) aux[w] = edges.holder.data[k];
    }
    this.edgesSeen = edges.length;
    this.processed = n;
    this.refreshViews();
    return n - from;
  }

  private onOpen(id: number, t: number): void {
    const iv = this.builder.intervals;
    const th = iv.thread[id];
    const lane = this.threadLanes[th];
    this.api.push(lane.openSpans.length > 0 ? lane.openSpans[0] : NONE);
    const type = iv.type[id];
    if (type === IntervalKind.Span) {
      this.depth.push(0);
      this.aux.push(iv.subject[id]);
      const depth = lane.openSpans.length;
      while (lane.spans.length <= depth) lane.spans.push(new SlotSet());
      lane.spans[depth].open(id);
      lane.openSpans.push(id);
      return;
    }
    this.aux.push(NONE);
    const ll = this.lockLanes[iv.ref[id]];
    if (type === IntervalKind.Wait) {
      this.depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.firstFree()));
      lane.waits.open(id);
      this.setDepth(ll, t, ll.waiting + 1);
    } else {
      this.depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.open(id)));
      ll.holds.open(id);
      ll.holders.push(th);
    }
  }

  private onClose(id: number, t: number): void {
    const iv = this.builder.intervals;
    const th = iv.thread[id];
    const lane = this.threadLanes[th];
    const s = iv.start[id];
    const type = iv.type[id];
    if (type === IntervalKind.Span) {
      lane.openSpans.pop();
      const depth = lane.openSpans.length;
      lane.spans[depth].close(id);
      if (depth === 0) lane.spanLod.insert(s, t, iv.mode[id] === QUEUE_KIND ? SpanValue.queue : SpanValue.api);
      else lane.phaseLod.insert(s, t, SpanValue.api);
      return;
    }
    const lock = iv.ref[id];
    const ll = this.lockLanes[lock];
    const cls = this.lockClass[lock];
    if (type === IntervalKind.Wait) {
      lane.waits.close(id);
      if (t > s) this.rowLod(lane, this.depth.data[id]).insert(s, t, waitValue(cls));
      ll.totalWait += t - s;
      this.setDepth(ll, t, Math.max(0, ll.waiting - 1));
    } else {
      const hs = ll.holders;
      const k = hs.indexOf(th);
      if (k >= 0) {
        hs[k] = hs[hs.length - 1];
        hs.pop();
      }
      lane.holds.close(id);
      ll.holds.close(id);
      this.rowLod(lane, this.depth.data[id]).insert(s, t, holdValue(cls));
      ll.lod.insert(s, t, 1);
    }
  }

  /** The pyramid of a lane's lock row at `depth`, created on first use. */
  private rowLod(lane: ThreadLane, depth: number): MaxMipmap {
    while (lane.lods.length <= depth) {
      // The same bucket budget as the first row, so that every row of a lane switches between
      // pyramid and raw intervals at the same zoom (a raw row at a pyramid zoom costs a frame).
      const lod = new MaxMipmap(this.lodBudget);
      if (this.reserveEnd > 0) lod.reserve(this.reserveEnd);
      lane.lods.push(lod);
    }
    return lane.lods[depth];
  }

  /** Draws the lock lane's queue while someone waits (the builder keeps the step function). */
  private setDepth(ll: LockLane, t: number, depth: number): void {
    if (ll.waiting > 0 && t > ll.lastChange) ll.lod.insert(ll.lastChange, t, Math.min(255, 1 + ll.waiting));
    ll.waiting = depth;
    if (depth > ll.maxWaiting) ll.maxWaiting = depth;
    ll.lastChange = t;
  }

  // ---- queries ----

  /** End time of an interval, with open intervals running to the newest event. */
  endOf(id: number): number {
    const e = this.builder.intervals.end[id];
    return Number.isNaN(e) ? this.endTime : e;
  }

  isOpen(id: number): boolean {
    return Number.isNaN(this.builder.intervals.end[id]);
  }

  lockClassOf(lock: number): number {
    return this.lockClass[lock] ?? LOCK_CLASSES.length - 1;
  }

  /**
   * The blocking chain of a wait (the builder's blockingChain): each step is the thread that
   * held the lock when the wait began and, if that thread was itself waiting then, its wait.
   * Ends at the root holder; a wait blocked by nobody gives one step with holder NONE.
   */
  chain(waitId: number, maxSteps = 32): Array<{ wait: number; holder: number }> {
    const { steps } = this.builder.blockingChain(waitId);
    if (steps.length === 0) return [{ wait: waitId, holder: NONE }];
    return steps.slice(0, maxSteps).map((s) => ({ wait: s.waitInterval, holder: s.holder }));
  }

  /** Queue depth of a lock at time t. */
  depthAt(lock: number, t: number): number {
    const ll = this.lockLanes[lock];
    if (!ll) return 0;
    const times = ll.depthTime.data;
    let lo = 0;
    let hi = ll.depthTime.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid] <= t) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : ll.depth.data[lo - 1];
  }

  /** Bytes held by the derived columns and pyramids (for the memory readout). */
  get bytes(): number {
    const iv = this.builder.intervals;
    let n = iv.start.byteLength * 5 + this.aux.data.byteLength * 2;
    n += this.depth.data.byteLength;
    for (const l of this.threadLanes) {
      n += l.spanLod.bytes + l.phaseLod.bytes;
      for (const lod of l.lods) n += lod.bytes;
    }
    for (const l of this.lockLanes) n += l.lod.bytes;
    return n;
  }
}

const QUEUE_KIND = SPAN_KINDS.indexOf('queue');

function newThreadLane(thread: number): ThreadLane {
  return {
    thread,
    waits: new SlotSet(),
    holds: new SlotSet(),
    spans: [],
    lods: [new MaxMipmap()],
    spanLod: new MaxMipmap(1 << 15),
    phaseLod: new MaxMipmap(1 << 13),
    openSpans: [],
  };
}

function newLockLane(lock: number, depthTime: GrowableF64, depth: TraceGrowableU32): LockLane {
  return {
    lock,
    holds: new SlotSet(),
    depthTime,
    depth,
    waiting: 0,
    maxWaiting: 0,
    holders: [],
    lod: new MaxMipmap(1 << 15),
    lastChange: 0,
    totalWait: 0,
  };
}
