// What the timeline draws, on top of @lockscope/trace's IntervalBuilder: the builder derives the
// wait, hold and span intervals (columns), queue depth per lock, blocked-by edges and blocking
// chains from the trace; this index keeps only what drawing needs besides: lanes (per thread and
// per lock "slots" of non-overlapping intervals for binary search), the API span enclosing each
// interval, marks, and a level-of-detail pyramid per lane. Every lookup a frame needs is a binary
// search or a pyramid read, never a scan of the whole trace.

import { countOpening, EventKind, GrowableU8, IntervalBuilder, intervalEnd, IntervalType, LOCK_CLASSES, NONE, SPAN_KINDS, type BuilderState, type IntervalBatch, type IntervalListener, type LockClass, type OpeningCounts, type Trace } from '@lockscope/trace';
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
 * between two threads (`indexOffThread` in offthread.ts): one runs the interval builder and
 * builds its part of the lanes, and hands each batch of events it read to the other, which builds
 * the rest from them (`beginShared`, `read`); then that one adopts the builder and the lanes
 * (`exportLanes`, `adoptLanes`).
 */
export interface IndexParts {
  /** Thread lanes' lock rows: waits, holds by nesting depth and their pyramids (and `depth`). */
  threadRows: boolean;
  /** Thread lanes' span rows: API calls and phases, and their pyramids. */
  spans: boolean;
  /** Lock lanes (holds, the queue of waits and its pyramid): of every lock, of none, or of the
   * locks whose id is even, or odd (each side of a shared load builds half of them). */
  lockLanes: LockLaneShare;
}

export type LockLaneShare = 'all' | 'none' | 'even' | 'odd';

export const ALL_PARTS: IndexParts = { threadRows: true, spans: true, lockLanes: 'all' };

/** What the other side of a shared load builds, given what one side builds. */
export function otherSide(parts: IndexParts): IndexParts {
  const locks = { all: 'none', none: 'all', even: 'odd', odd: 'even' } as const;
  return { threadRows: !parts.threadRows, spans: !parts.spans, lockLanes: locks[parts.lockLanes] };
}

/** What the side of a bulk load that ran the builder built, as plain data whose buffers
 * transfer. */
export interface LaneShare {
  /** Its builder (intervals, lists, edges) after the last event. */
  builder: BuilderState;
  spans: Array<{ spans: SlotState[]; spanLod: MipmapState; phaseLod: MipmapState }> | null;
  /** Per lock, its lane, or null where the other side builds it. */
  lockLanes: Array<{ holds: SlotState; waits: SlotState; waiting: number; maxWaiting: number; lod: MipmapState; lastChange: number; totalWait: number } | null>;
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
  /** Events whose batches this index has read (its builder's, or another side's in a shared
   * load). */
  private readTo = 0;
  /** Time of the newest event seen. */
  endTime = 0;
  /** Lock class index per lock id (cached from the dictionary). */
  private lockClass: number[] = [];
  /** Per thread: spans open (as the builder's stack, counted as the batches are read). */
  private spanDepth: number[] = [];
  /** Per thread: the slot of its wait in its lock's lane (a hint: a thread waits for one lock at
   * a time). */
  private waitSlot: number[] = [];
  /** Trace end known at a bulk load: pyramids of deeper rows created later are sized for it. */
  private reserveEnd = 0;
  /** The current update reads many events at once (the builder announced them): trim after. */
  private bulk = false;
  /** The lanes were sized for a bulk load (once: at the first, or by `beginShared`). */
  private sized = false;
  /** One side of a shared load, until the page side adopts the other's (no trim before: the
   * side with the builder may still read more of the trace). */
  private shared = false;

  /** What this index builds (all of it, unless it is one side of a shared bulk load). */
  private parts: IndexParts;

  constructor(
    private readonly trace: Trace,
    parts: IndexParts = ALL_PARTS,
  ) {
    this.builder = new IntervalBuilder(trace, { byThread: false, waitsByLock: false, queueDepth: false });
    this.parts = { ...parts };
  }

  /** The builder and the lanes this index built, as data to send to the index of the other side
   * of a shared load (the lists and pyramids move: this index must not be used after). */
  exportLanes(): { share: LaneShare; transfer: ArrayBuffer[] } {
    const parts = this.parts;
    const { state, transfer } = this.builder.exportState();
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
      builder: state,
      spans: parts.spans ? this.threadLanes.map((l) => ({ spans: l.spans.map(slots), spanLod: lod(l.spanLod), phaseLod: lod(l.phaseLod) })) : null,
      lockLanes: this.lockLanes.map((l) =>
        this.buildsLockLane(l.lock) ? { holds: slots(l.holds), waits: slots(l.waits), waiting: l.waiting, maxWaiting: l.maxWaiting, lod: lod(l.lod), lastChange: l.lastChange, totalWait: l.totalWait } : null,
      ),
    };
    return { share, transfer: [...new Set(transfer)] };
  }

  /** Brings every pyramid's coarser levels up to date (a first draw would, lane by lane). */
  propagate(): void {
    for (const lane of this.threadLanes) for (const lod of [...lane.lods, lane.spanLod, lane.phaseLod]) lod.propagate();
    for (const ll of this.lockLanes) ll.lod.propagate();
  }

  /**
   * Either side of a shared bulk load: sizes the lanes for the whole trace, as `update` would, from
   * `counts` of what its events open and its `end` time. The side without the builder then reads
   * the batches of the other (`read`); the side with it may get the events in pieces (each
   * `update` reads what has come; `counts` and `end` are the whole trace's).
   */
  beginShared(counts = countOpening(this.trace, 0, this.trace.length), end = this.trace.endTime): void {
    this.addLanes();
    this.endTime = Math.max(this.endTime, end);
    this.builder.ensureIndexes();
    this.willOpen(counts);
    this.shared = true;
  }

  /** Takes the builder and the lanes the other side of a shared load built from the batches this
   * index read (`exportLanes`); from then on this index builds everything itself. */
  adoptLanes(share: LaneShare): void {
    const next = share.builder.next;
    if (next !== this.readTo) throw new Error(`lanes built from ${next} events, this index has read ${this.readTo}`);
    // (a thread's waits borrow the builder's list, empty on this side until now: one that had to
    // keep a copy of it, on a trace that lost an event, copied nothing)
    if (this.threadLanes.some((l) => l.waits.slots.length > 0 && !l.waits.borrowed)) throw new Error('a thread lane lost its waits on this side of the load');
    this.builder.adoptState(share.builder);
    if (share.spans) {
      share.spans.forEach((s, th) => {
        const lane = this.threadLanes[th];
        lane.spans = s.spans.map((st) => SlotSet.fromState(st));
        lane.spanLod = MaxMipmap.fromState(s.spanLod);
        lane.phaseLod = MaxMipmap.fromState(s.phaseLod);
      });
      this.parts.spans = true;
    }
    share.lockLanes.forEach((s, lock) => {
      if (!s) return;
      const ll = this.lockLanes[lock];
      // A mutex lane's holds read the builder's list of them: this side's builder has the same.
      ll.holds = SlotSet.fromState(s.holds, this.builder.holdsByLock[lock]);
      ll.waits = SlotSet.fromState(s.waits);
      ll.lod = MaxMipmap.fromState(s.lod);
      Object.assign(ll, { waiting: s.waiting, maxWaiting: s.maxWaiting, lastChange: s.lastChange, totalWait: s.totalWait });
    });
    if (share.lockLanes.some((s, lock) => !s && !this.buildsLockLane(lock))) throw new Error('neither side built some lock lanes');
    this.parts.lockLanes = 'all';
    this.processed = next;
    this.shared = false;
    if (this.bulk) this.trim();
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

  /** Consumes the events appended since the last call. Returns how many were consumed.
   * `forward` hears each batch after this index, and may keep it (the other side of a shared
   * load). */
  update(forward?: (batch: IntervalBatch) => void): number {
    const from = this.processed;
    const n = this.trace.length;
    this.addLanes();
    this.bulk = false;
    this.builder.update(forward ? { read: (b) => (this.read(b), forward(b)), willOpen: (c) => this.willOpen(c), keepsBatches: true } : this);
    if (this.bulk && !this.shared) this.trim();
    this.processed = n;
    return n - from;
  }

  /** Lanes for threads and locks new to the trace; the newest event's time. */
  private addLanes(): void {
    const tr = this.trace;
    for (let i = this.threadLanes.length; i < tr.threads.length; i++) {
      this.threadLanes.push(newThreadLane(i));
      this.spanDepth.push(0);
      this.waitSlot.push(-1);
    }
    for (let i = this.lockLanes.length; i < tr.locks.length; i++) {
      this.lockLanes.push(newLockLane(i));
      this.lockClass.push(LOCK_CLASSES.indexOf(tr.locks[i].class as LockClass));
    }
    if (tr.length > 0) this.endTime = Math.max(this.endTime, tr.time[tr.length - 1]);
  }

  /** The builder read a batch of events (IntervalListener; or the other side's builder, in a
   * shared load): batches come in order, each read once. */
  read(batch: IntervalBatch): void {
    if (batch.from !== this.readTo) throw new Error(`a batch from event ${batch.from}, this index has read ${this.readTo}`);
    this.readTo = batch.to;
    this.readLanes(batch);
  }

  /**
   * A batch, for every lane this index builds: thread lanes (lock rows, span rows), lock lanes,
   * marks. One loop: each event is told apart once (a pass over millions of events of mixed
   * kinds costs its branches more than its work).
   */
  private readLanes({ from, to, closed, closedStart, firstOpened }: IntervalBatch): void {
    const tr = this.trace;
    const { time, thread, kind, ref } = tr;
    const { threadRows, spans } = this.parts;
    const { threadLanes, lockLanes, spanDepth, depth } = this;
    const { mask: lockMask, match: lockMatch } = this.lockLaneRule();
    // (each request, acquisition and span begin opens the next interval)
    let opened = firstOpened;
    for (let i = from; i < to; i++) {
      const j = i - from;
      switch (kind[i]) {
        case EventKind.SpanBegin: {
          const id = opened++;
          const th = thread[i];
          const d = spanDepth[th]++;
          if (threadRows) depth.push(Math.min(255, d));
          if (!spans) break;
          const lane = threadLanes[th];
          while (lane.spans.length <= d) lane.spans.push(new SlotSet());
          lane.spans[d].open(id);
          break;
        }
        case EventKind.SpanEnd: {
          const id = closed[j];
          if (id === NONE) break;
          const th = thread[i];
          const d = --spanDepth[th];
          if (!spans) break;
          const lane = threadLanes[th];
          lane.spans[d].close(id);
          const start = closedStart[j];
          const s = time[start];
          if (d === 0) lane.spanLod.insert(s, time[i], tr.mode[start] === QUEUE_KIND ? SpanValue.queue : SpanValue.api);
          else lane.phaseLod.insert(s, time[i], SpanValue.api);
          break;
        }
        case EventKind.LockRequest: {
          const th = thread[i];
          const w = opened++;
          if (threadRows) {
            const lane = threadLanes[th];
            depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.firstFree()));
            this.threadWaits(lane).open(w);
          }
          const lock = ref[i];
          if ((lock & lockMask) === lockMatch) {
            const ll = lockLanes[lock];
            // (a thread waits for one lock at a time: its wait's slot is found again by its thread)
            this.waitSlot[th] = ll.waits.open(w);
            this.setDepth(ll, time[i], ll.waiting + 1);
          }
          break;
        }
        case EventKind.LockAcquired: {
          const th = thread[i];
          const lock = ref[i];
          const w = closed[j];
          const h = opened++;
          const t = time[i];
          if (threadRows) {
            const lane = threadLanes[th];
            if (w !== NONE) {
              lane.waits.close(w);
              const s = time[closedStart[j]];
              const d = depth.data[w];
              // (an uncontended acquisition's wait, 0 ns, is not drawn)
              if (t > s) (lane.lods[d] ?? this.rowLod(lane, d)).insert(s, t, waitValue(this.lockClass[lock]));
            }
            depth.push(Math.min(MAX_DEPTH_ROWS - 1, lane.holds.open(h)));
          }
          if ((lock & lockMask) === lockMatch) {
            const ll = lockLanes[lock];
            if (w !== NONE) {
              ll.waits.close(w, this.waitSlot[th]);
              ll.totalWait += t - time[closedStart[j]];
              this.setDepth(ll, t, Math.max(0, ll.waiting - 1));
            }
            this.lockHolds(ll).open(h);
          }
          break;
        }
        case EventKind.LockReleased: {
          const h = closed[j];
          if (h === NONE) break;
          const lock = ref[i];
          const s = time[closedStart[j]];
          const t = time[i];
          if (threadRows) {
            const lane = threadLanes[thread[i]];
            const d = depth.data[h];
            lane.holds.close(h, d);
            (lane.lods[d] ?? this.rowLod(lane, d)).insert(s, t, holdValue(this.lockClass[lock]));
          }
          if ((lock & lockMask) === lockMatch) {
            const ll = lockLanes[lock];
            ll.holds.close(h);
            ll.lod.insert(s, t, 1);
          }
          break;
        }
        case EventKind.Mark:
          this.marks.push({ t: time[i], label: tr.labels[tr.ref[i]] ?? '' });
          break;
        default:
          break;
      }
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
    if (this.processed !== 0 || this.sized) return;
    this.sized = true;
    const end = this.endTime;
    this.reserveEnd = end;
    if (this.parts.threadRows) this.depth.reserve(counts.intervals);
    const budget = (c: number): number => Math.min(1 << 21, Math.max(MIN_BULK_BUCKETS, Math.ceil(BUCKETS_PER_INTERVAL * c)));
    const { threadRows, spans } = this.parts;
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
    for (const ll of this.lockLanes) {
      if (this.buildsLockLane(ll.lock)) {
        // By its holds: its waits show as the queue's depth over them.
        if (ll.lod.bytes <= 64) ll.lod = new MaxMipmap(budget(counts.holdsByLock[ll.lock]));
        ll.lod.reserve(end);
        if (this.trace.locks[ll.lock].kind !== 'mutex') ll.holds.reserve(Math.ceil(counts.holdsByLock[ll.lock] * 1.05) + 64);
      }
    }
  }

  /** This index builds the lane of `lock`. */
  private buildsLockLane(lock: number): boolean {
    const { mask, match } = this.lockLaneRule();
    return (lock & mask) === match;
  }

  /** The lock lanes this index builds: those of the locks whose `id & mask` is `match`. */
  private lockLaneRule(): { mask: number; match: number } {
    const share = this.parts.lockLanes;
    return { mask: share === 'all' ? 0 : 1, match: share === 'none' ? 2 : share === 'odd' ? 1 : 0 };
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
