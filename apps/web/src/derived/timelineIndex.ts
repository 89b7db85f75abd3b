// What the timeline draws, on top of @lockscope/trace's IntervalBuilder: the builder derives the
// wait, hold and span intervals (columns), queue depth per lock, blocked-by edges and blocking
// chains from the trace; this index keeps only what drawing needs besides: lanes (per thread and
// per lock "slots" of non-overlapping intervals for binary search), the API span enclosing each
// interval, marks, and a level-of-detail pyramid per lane. Every lookup a frame needs is a binary
// search or a pyramid read, never a scan of the whole trace.

import { EventKind, GrowableU8, IntervalBuilder, intervalEnd, IntervalType, LOCK_CLASSES, NONE, SPAN_KINDS, type IntervalListener, type LockClass, type OpeningCounts, type Trace } from '@lockscope/trace';
import { DEFAULT_MAX_BUCKETS, MaxMipmap, type MipmapState } from './mipmap.js';
import { SlotSet, type IntervalTimes, type SlotState } from './slots.js';

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
  /** Its waits (one at a time: a single slot over the builder's list of the thread's waits). */
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
}

export interface LockLane {
  lock: number;
  holds: SlotSet;
  /** Its waits (the queue: how many wait at a time is how many of these overlap). */
  waits: SlotSet;
  waiting: number;
  maxWaiting: number;
  /** value = 1 while held, 1 + depth while someone waits. */
  lod: MaxMipmap;
  lastChange: number;
  totalWait: number;
}

/**
 * Which lanes an index builds. The dashboard's index builds them all; a bulk load may share them
 * between two threads (`indexOffThread` in offthread.ts): each reads every event (the interval
 * numbering needs the whole pass) but builds only its part, and one adopts the other's
 * (`adoptLanes`).
 */
export interface IndexParts {
  /** Thread lanes' lock rows: waits, holds by nesting depth and their pyramids (and `depth`). */
  threadRows: boolean;
  /** Thread lanes' span rows: API calls and phases, and their pyramids. */
  spans: boolean;
  /** Lock lanes: holds, the queue of waits and its pyramid. */
  lockLanes: boolean;
  /** The builder's blocked-by edges (what blocked each wait: arrows, chains, tooltips). */
  edges: boolean;
}

export const ALL_PARTS: IndexParts = { threadRows: true, spans: true, lockLanes: true, edges: true };

/** Lanes built by one side of a bulk load, as plain data whose buffers transfer. */
export interface LaneShare {
  /** Events the sender had read (the receiver must have read as many). */
  processed: number;
  spans: Array<{ spans: SlotState[]; spanLod: MipmapState; phaseLod: MipmapState }> | null;
  lockLanes: Array<{ holds: SlotState; waits: SlotState; waiting: number; maxWaiting: number; lod: MipmapState; lastChange: number; totalWait: number }> | null;
  /** The blocked-by edges, as the wait and the hold they join. */
  edges: { waitInterval: Uint32Array; holdInterval: Uint32Array; length: number } | null;
}

export interface Mark {
  t: number;
  label: string;
}

export class TimelineIndex implements IntervalListener {
  /** The derived intervals (each the pair of events that opens and closes it), edges and
   * chains. Without `byThread`, `waitsByLock` and `queueDepth`: drawing has its own lanes (a
   * lock's queue is its lane's waits), and the chains need only `waitsByThread` and
   * `holdsByLock`. */
  readonly builder: IntervalBuilder;
  /** Row of each wait and hold (its hold nesting depth, capped at MAX_DEPTH_ROWS - 1); nesting
   * depth of each span (capped at 255). Kept by an index that builds the thread rows. */
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
  /** Trace end known at a bulk load: pyramids of deeper rows created later are sized for it. */
  private reserveEnd = 0;
  /** The current update reads many events at once (the builder announced them): trim after. */
  private bulk = false;

  /** What this index builds (all of it, unless it is one side of a shared bulk load). */
  private parts: IndexParts;

  constructor(
    private readonly trace: Trace,
    parts: IndexParts = ALL_PARTS,
  ) {
    // (a thread's waits are drawn with the thread lanes: an index without them, one side of a
    // shared load, does not keep them)
    this.builder = new IntervalBuilder(trace, { byThread: false, waitsByLock: false, queueDepth: false, edges: parts.edges, waitsByThread: parts.threadRows });
    this.parts = { ...parts };
  }

  /** The lanes (and edges) this index built, but its thread rows, as data to send to the index
   * that builds the rest (the lists and pyramids move: this index must not be used after). */
  exportLanes(): { share: LaneShare; transfer: ArrayBuffer[] } {
    const parts = this.parts;
    const transfer: ArrayBuffer[] = [];
    const lod = (m: MaxMipmap): MipmapState => {
      const st = m.toState();
      for (const l of st.levels) transfer.push(l.buffer as ArrayBuffer);
      return st;
    };
    const slots = (s: SlotSet): SlotState => {
      transfer.push(...s.buffers());
      return s.toState();
    };
    const share: LaneShare = {
      processed: this.processed,
      spans: parts.spans ? this.threadLanes.map((l) => ({ spans: l.spans.map(slots), spanLod: lod(l.spanLod), phaseLod: lod(l.phaseLod) })) : null,
      lockLanes: parts.lockLanes
        ? this.lockLanes.map((l) => ({ holds: slots(l.holds), waits: slots(l.waits), waiting: l.waiting, maxWaiting: l.maxWaiting, lod: lod(l.lod), lastChange: l.lastChange, totalWait: l.totalWait }))
        : null,
      edges: parts.edges ? this.edgesToShare(transfer) : null,
    };
    return { share, transfer: [...new Set(transfer)] };
  }

  /** Brings every pyramid's coarser levels up to date (a first draw would, lane by lane). */
  propagate(): void {
    for (const lane of this.threadLanes) for (const lod of [...lane.lods, lane.spanLod, lane.phaseLod]) lod.propagate();
    for (const ll of this.lockLanes) ll.lod.propagate();
  }

  private edgesToShare(transfer: ArrayBuffer[]): NonNullable<LaneShare['edges']> {
    const { waitInterval, holdInterval } = this.builder.edges;
    for (const g of [waitInterval, holdInterval]) if (g.data.byteLength > 0) transfer.push(g.data.buffer as ArrayBuffer);
    return { waitInterval: waitInterval.data, holdInterval: holdInterval.data, length: waitInterval.length };
  }

  /** Takes the lanes (and edges) another index built from the same events (`exportLanes`); from
   * then on this index builds them too. */
  adoptLanes(share: LaneShare): void {
    if (share.processed !== this.processed) throw new Error(`lanes built from ${share.processed} events, this index has read ${this.processed}`);
    if (share.spans) {
      share.spans.forEach((s, th) => {
        const lane = this.threadLanes[th];
        lane.spans = s.spans.map((st) => SlotSet.fromState(st));
        lane.spanLod = MaxMipmap.fromState(s.spanLod);
        lane.phaseLod = MaxMipmap.fromState(s.phaseLod);
      });
      this.parts.spans = true;
    }
    if (share.lockLanes) {
      share.lockLanes.forEach((s, lock) => {
        const ll = this.lockLanes[lock];
        // A mutex lane's holds read the builder's list of them: this side's builder has the same.
        ll.holds = SlotSet.fromState(s.holds, this.builder.holdsByLock[lock]);
        ll.waits = SlotSet.fromState(s.waits);
        ll.lod = MaxMipmap.fromState(s.lod);
        Object.assign(ll, { waiting: s.waiting, maxWaiting: s.maxWaiting, lastChange: s.lastChange, totalWait: s.totalWait });
      });
      this.parts.lockLanes = true;
    }
    if (share.edges) {
      this.builder.adoptEdges(share.edges);
      this.parts.edges = true;
    }
  }

  get source(): Trace {
    return this.trace;
  }

  get size(): number {
    return this.builder.intervals.length;
  }

  /** Where slot queries read interval times (valid until the next update). */
  times(): IntervalTimes {
    const iv = this.builder.intervals;
    return { time: this.trace.time, startEvent: iv.startEvent, endEvent: iv.endEvent };
  }

  /** Consumes the events appended since the last call. Returns how many were consumed. */
  update(): number {
    const tr = this.trace;
    const from = this.processed;
    const n = tr.length;
    for (let i = this.threadLanes.length; i < tr.threads.length; i++) this.threadLanes.push(newThreadLane(i));
    for (let i = this.lockLanes.length; i < tr.locks.length; i++) {
      this.lockLanes.push(newLockLane(i));
      this.lockClass.push(LOCK_CLASSES.indexOf(tr.locks[i].class as LockClass));
    }
    if (n > from) this.endTime = Math.max(this.endTime, tr.time[n - 1]);
    this.bulk = false;
    this.builder.update(this);
    if (this.bulk) this.trim();
    this.processed = n;
    return n - from;
  }

  /** The builder read a mark (IntervalListener). */
  marked(event: number): void {
    const tr = this.trace;
    this.marks.push({ t: tr.time[event], label: tr.labels[tr.ref[event]] ?? '' });
  }

  /** The builder heard an interval open (IntervalListener). */
  opened(id: number, event: number): void {
    const tr = this.trace;
    const th = tr.thread[event];
    const lane = this.threadLanes[th];
    const kind = tr.kind[event];
    if (kind === EventKind.SpanBegin) {
      // (the builder has put it on its thread's stack of open spans)
      const depth = this.builder.openSpans(th).length - 1;
      if (this.parts.threadRows) this.depth.push(Math.min(255, depth));
      if (!this.parts.spans) return;
      while (lane.spans.length <= depth) lane.spans.push(new SlotSet());
      lane.spans[depth].open(id);
      return;
    }
    const { threadRows, lockLanes } = this.parts;
    const ll = this.lockLanes[tr.ref[event]];
    if (kind === EventKind.LockRequest) {
      if (threadRows) {
        this.depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.firstFree()));
        this.threadWaits(lane).open(id);
      }
      if (lockLanes) {
        ll.waits.open(id);
        this.setDepth(ll, tr.time[event], ll.waiting + 1);
      }
    } else {
      if (threadRows) this.depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.open(id)));
      if (lockLanes) this.lockHolds(ll).open(id);
    }
  }

  /** The builder heard an interval close (IntervalListener). */
  closed(id: number, event: number): void {
    const tr = this.trace;
    const t = tr.time[event];
    const th = tr.thread[event];
    const lane = this.threadLanes[th];
    const s = tr.time[this.builder.intervals.startEvent[id]];
    const kind = tr.kind[event];
    if (kind === EventKind.SpanEnd) {
      // (the builder has taken it off its thread's stack of open spans)
      if (!this.parts.spans) return;
      const depth = this.builder.openSpans(th).length;
      lane.spans[depth].close(id);
      if (depth === 0) lane.spanLod.insert(s, t, this.modeOf(id) === QUEUE_KIND ? SpanValue.queue : SpanValue.api);
      else lane.phaseLod.insert(s, t, SpanValue.api);
      return;
    }
    const { threadRows, lockLanes } = this.parts;
    const lock = tr.ref[event];
    const cls = this.lockClass[lock];
    const acquired = kind === EventKind.LockAcquired;
    // One call of each pyramid's insert: the engine inlines a listener this small into the
    // builder's loop (with an insert per case, the pass took half as long again).
    if (threadRows) {
      const depth = this.depth.data[id];
      if (acquired) this.threadWaits(lane).close(id);
      else lane.holds.close(id);
      if (!acquired || t > s) (lane.lods[depth] ?? this.rowLod(lane, depth)).insert(s, t, acquired ? waitValue(cls) : holdValue(cls));
    }
    if (lockLanes) this.closeInLockLane(this.lockLanes[lock], acquired, id, s, t);
  }

  /** A wait or hold closed, in its lock's lane: the queue shortens (its depth until now drawn),
   * or a hold is drawn. */
  private closeInLockLane(ll: LockLane, acquired: boolean, id: number, s: number, t: number): void {
    if (acquired) {
      ll.waits.close(id);
      ll.totalWait += t - s;
      this.setDepth(ll, t, Math.max(0, ll.waiting - 1));
    } else {
      this.lockHolds(ll).close(id);
      ll.lod.insert(s, t, 1);
    }
  }

  /** The lock lane's holds: a mutex's holds never overlap (shared mode is only taken of rwlocks
   * and jobs), so its lane reads the builder's list of the lock's holds. */
  private lockHolds(ll: LockLane): SlotSet {
    if (ll.holds.slots.length === 0 && this.trace.locks[ll.lock].kind === 'mutex') ll.holds = SlotSet.over(this.builder.holdsByLock[ll.lock]);
    return ll.holds;
  }

  /** The lane's waits: a thread waits for one lock at a time, so its lane reads the builder's
   * list of the thread's waits (set up at its first wait, when the builder has made the list). */
  private threadWaits(lane: ThreadLane): SlotSet {
    if (lane.waits.slots.length === 0) lane.waits = SlotSet.over(this.builder.waitsByThread[lane.thread]);
    return lane.waits;
  }

  /**
   * A bulk load (IntervalListener): sizes the lanes' lists and pyramids once, from what the
   * builder counted the new events open. Every pyramid gets about BUCKETS_PER_INTERVAL finest
   * buckets per interval it will take: a view then switches from a pyramid to the raw intervals
   * only where at most ~1600 / BUCKETS_PER_INTERVAL * 2 of them touch a row of 1600 px, whatever
   * the size of the trace, and memory stays proportional to the intervals.
   */
  willOpen(counts: OpeningCounts): void {
    this.bulk = true;
    if (this.processed !== 0) return;
    const end = this.endTime;
    this.reserveEnd = end;
    if (this.parts.threadRows) this.depth.reserve(counts.intervals);
    const budget = (c: number): number => Math.min(1 << 21, Math.max(MIN_BULK_BUCKETS, Math.ceil(BUCKETS_PER_INTERVAL * c)));
    const { threadRows, spans, lockLanes } = this.parts;
    for (const lane of this.threadLanes) {
      const th = lane.thread;
      if (threadRows) {
        if (lane.lods.length === 1 && lane.lods[0].bytes <= 64) {
          lane.rowBudget = budget(counts.waitsByThread[th] + counts.holdsByThread[th]);
          lane.lods[0] = new MaxMipmap(lane.rowBudget);
        }
        lane.lods[0].reserve(end);
        // Most holds of a thread take its first row (trim() returns what is left over).
        lane.holds.reserve(Math.ceil(counts.holdsByThread[th] * 1.05) + 64);
      }
      if (spans) {
        if (lane.spans.length === 0) {
          // Phases are not told from calls before the pass: their pyramid grows as they come.
          lane.spanLod = new MaxMipmap(budget(counts.spansByThread[th]));
          lane.phaseLod = new MaxMipmap(budget(counts.spansByThread[th]));
        }
        lane.spanLod.reserve(end);
      }
    }
    if (lockLanes) {
      for (const ll of this.lockLanes) {
        // By its holds: its waits show as the queue's depth over them.
        if (ll.lod.bytes <= 64) ll.lod = new MaxMipmap(budget(counts.holdsByLock[ll.lock]));
        ll.lod.reserve(end);
        if (this.trace.locks[ll.lock].kind !== 'mutex') ll.holds.reserve(Math.ceil(counts.holdsByLock[ll.lock] * 1.05) + 64);
      }
    }
  }

  /** After a bulk load: drops the spare room growing columns keep (up to half of each). */
  private trim(): void {
    this.builder.trim();
    this.depth.trim();
    for (const lane of this.threadLanes) {
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
      // Half the first row's bucket budget: that budget counts every wait and hold of the thread,
      // a deeper row holds only the nested ones and the waits that lead to them.
      const lod = new MaxMipmap(Math.max(MIN_BULK_BUCKETS, lane.rowBudget / 2));
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

  // ---- one interval (each read through the trace: an interval is its two events) ----

  startOf(id: number): number {
    return this.builder.intervals.start(id);
  }

  /** End time of an interval, with open intervals running to the newest event. */
  endOf(id: number): number {
    return intervalEnd(this.builder.intervals, id, this.endTime);
  }

  isOpen(id: number): boolean {
    return this.builder.intervals.endEvent[id] === NONE;
  }

  kindOf(id: number): IntervalKind {
    return this.builder.intervals.type(id);
  }

  threadOf(id: number): number {
    return this.builder.intervals.thread(id);
  }

  /** Lock id of a wait or hold, label id of a span. */
  refOf(id: number): number {
    return this.builder.intervals.ref(id);
  }

  /** Lock mode of a wait or hold, SPAN_KINDS index of a span. */
  modeOf(id: number): number {
    return this.builder.intervals.mode(id);
  }

  /** Subject label id of a span, or NONE. */
  subjectOf(id: number): number {
    return this.builder.intervals.subject(id);
  }

  /** The first thread holding what wait `id` asked for when it began, or NONE. */
  blockerOf(id: number): number {
    return this.builder.firstBlocker(id);
  }

  /** The outermost span open on the interval's thread when it began (NONE if none; for an
   * outermost span itself, NONE). */
  apiOf(id: number): number {
    const calls = this.threadLanes[this.threadOf(id)]?.spans[0];
    if (!calls) return NONE;
    const iv = this.builder.intervals;
    const e = iv.startEvent[id];
    const t = this.trace.time[e];
    let found = NONE;
    // The thread's calls never overlap: the one opened before the interval's event and not
    // closed by then (events, not times, decide at equal ns).
    calls.forEachIn(this.times(), t, t, (s) => {
      const end = iv.endEvent[s];
      if (iv.startEvent[s] < e && (end === NONE || end > e)) {
        found = s;
        return true;
      }
    });
    return found;
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
    let n = 0;
    ll.waits.forEachIn(this.times(), t, t, (id) => {
      if (this.startOf(id) <= t && this.endOf(id) > t) n++;
    });
    return n;
  }

  /** Bytes held by the derived columns, lists, edges and pyramids (for the memory readout). */
  get bytes(): number {
    const b = this.builder;
    const iv = b.intervals;
    let n = iv.startEvent.byteLength + iv.endEvent.byteLength + this.depth.data.byteLength;
    n += b.edges.waitInterval.data.byteLength + b.edges.holdInterval.data.byteLength;
    for (const list of [b.waitsByThread, b.holdsByLock]) for (const g of list) n += g.data.byteLength;
    // (a borrowed slot is the builder's list, counted above)
    const slots = (s: SlotSet): number => (s.borrowed ? 0 : s.slots.reduce((sum, g) => sum + g.data.byteLength, 0));
    for (const l of this.threadLanes) {
      n += l.spanLod.bytes + l.phaseLod.bytes + slots(l.holds) + slots(l.waits);
      for (const lod of l.lods) n += lod.bytes;
      for (const s of l.spans) n += slots(s);
    }
    for (const l of this.lockLanes) n += l.lod.bytes + slots(l.holds) + slots(l.waits);
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
  };
}

function newLockLane(lock: number): LockLane {
  return {
    lock,
    holds: new SlotSet(),
    waits: new SlotSet(),
    waiting: 0,
    maxWaiting: 0,
    lod: new MaxMipmap(1 << 15),
    lastChange: 0,
    totalWait: 0,
  };
}
