// What the timeline draws, on top of @lockscope/trace's IntervalBuilder: the builder derives the
// wait, hold and span intervals (columns), queue depth per lock, blocked-by edges and blocking
// chains from the trace; this index keeps only what drawing needs besides: lanes (per thread and
// per lock "slots" of non-overlapping intervals for binary search), the API span enclosing each
// interval, marks, and a level-of-detail pyramid per lane. Every lookup a frame needs is a binary
// search or a pyramid read, never a scan of the whole trace.

import { EventKind, IntervalBuilder, IntervalType, LOCK_CLASSES, NONE, SPAN_KINDS, type LockClass, type Trace } from '@lockscope/trace';
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
  /** Finest buckets of each lock row's pyramid (set from the lane's intervals at a bulk load). */
  rowBudget: number;
  openSpans: number[];
}

export interface LockLane {
  lock: number;
  holds: SlotSet;
  /** Its waits (the queue: how many wait at a time is how many of these overlap). */
  waits: SlotSet;
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
  /** Without `byThread`, `waitsByLock` and `queueDepth`: drawing has its own lanes (a lock's
   * queue is its lane's waits), and the chains need only `waitsByThread` and `holdsByLock`. */
  readonly builder = new IntervalBuilder({ byThread: false, waitsByLock: false, queueDepth: false });
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
      this.lockLanes.push(newLockLane(i));
      this.lockClass.push(LOCK_CLASSES.indexOf(tr.locks[i].class as LockClass));
    }
    if (from === 0 && n > 4096) this.sizePyramids(nextOpen, opened, tr.time[n - 1]);
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
    if (from === 0 && n > 4096) this.trim();
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
      ll.waits.open(id);
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
      ll.waits.close(id);
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

  /**
   * A bulk load: sizes every pyramid for the whole trace at once, with about BUCKETS_PER_INTERVAL
   * finest buckets per interval it will take. A view then switches from a pyramid to the raw
   * intervals only where at most ~1600 / BUCKETS_PER_INTERVAL * 2 of them touch a row of 1600 px,
   * whatever the size of the trace, and memory stays proportional to the intervals.
   */
  private sizePyramids(first: number, last: number, end: number): void {
    this.reserveEnd = end;
    const iv = this.builder.intervals;
    const { type, thread, ref, depth } = iv;
    const nt = this.threadLanes.length;
    // Per thread: lock-row, API-call and phase intervals; per lock: holds and waits.
    const counts = new Float64Array(3 * nt);
    const perLock = new Float64Array(this.lockLanes.length);
    for (let id = first; id < last; id++) {
      const th = thread[id];
      if (type[id] === IntervalKind.Span) counts[(depth[id] === 0 ? nt : 2 * nt) + th]++;
      else {
        counts[th]++;
        perLock[ref[id]]++;
      }
    }
    const budget = (c: number): number => Math.min(1 << 21, Math.max(MIN_BULK_BUCKETS, Math.ceil(BUCKETS_PER_INTERVAL * c)));
    for (const lane of this.threadLanes) {
      const th = lane.thread;
      if (lane.lods.length === 1 && lane.lods[0].bytes <= 64) {
        lane.rowBudget = budget(counts[th]);
        lane.lods[0] = new MaxMipmap(lane.rowBudget);
        lane.spanLod = new MaxMipmap(budget(counts[nt + th]));
        lane.phaseLod = new MaxMipmap(budget(counts[2 * nt + th]));
      }
      lane.lods[0].reserve(end);
      lane.spanLod.reserve(end);
      lane.phaseLod.reserve(end);
    }
    for (const ll of this.lockLanes) {
      if (ll.lod.bytes <= 64) ll.lod = new MaxMipmap(budget(perLock[ll.lock]));
      ll.lod.reserve(end);
    }
  }

  /** After a bulk load: drops the spare room growing columns keep (up to half of each). */
  private trim(): void {
    this.builder.trim();
    for (const lane of this.threadLanes) {
      lane.waits.trim();
      lane.holds.trim();
      for (const s of lane.spans) s.trim();
    }
    for (const ll of this.lockLanes) {
      ll.holds.trim();
      ll.waits.trim();
    }
  }

  /** The pyramid of a lane's lock row at `depth`, created on first use. */
  private rowLod(lane: ThreadLane, depth: number): MaxMipmap {
    while (lane.lods.length <= depth) {
      // The first row's bucket budget (a deeper row holds at most as many intervals).
      const lod = new MaxMipmap(lane.rowBudget);
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

  /** Queue depth of a lock at time t: its waits begun by t and not yet over. */
  depthAt(lock: number, t: number): number {
    const ll = this.lockLanes[lock];
    if (!ll) return 0;
    const start = this.start.data;
    let n = 0;
    ll.waits.forEachIn(this.times(), t, t, (id) => {
      if (start[id] <= t && this.endOf(id) > t) n++;
    });
    return n;
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
/** Finest pyramid buckets per interval at a bulk load (see sizePyramids). */
const BUCKETS_PER_INTERVAL = 2;
const MIN_BULK_BUCKETS = 1 << 12;

function newThreadLane(thread: number): ThreadLane {
  return {
    thread,
    waits: new SlotSet(),
    holds: new SlotSet(),
    spans: [],
    lods: [new MaxMipmap()],
    spanLod: new MaxMipmap(1 << 15),
    phaseLod: new MaxMipmap(1 << 13),
    rowBudget: DEFAULT_MAX_BUCKETS,
    openSpans: [],
  };
}

function newLockLane(lock: number): LockLane {
  return {
    lock,
    holds: new SlotSet(),
    waits: new SlotSet(),
    waiting: 0,
    maxWaiting: 0,
    holders: [],
    lod: new MaxMipmap(1 << 15),
    lastChange: 0,
    totalWait: 0,
  };
}
