// What the timeline draws, derived incrementally from a Trace: wait, hold and span intervals per
// thread, holder intervals and queue depth per lock, blocked-by edges, marks, and a
// level-of-detail pyramid per lane. Built for drawing: every lookup a frame needs is a binary
// search or a pyramid read, never a scan of the whole trace.
// (@lockscope/trace's IntervalBuilder derives the same intervals for the CLI and the server; the
// per-lane slots and pyramids here are what a 60 fps canvas needs on top.)

import { EventKind, LOCK_CLASSES, NONE, SPAN_KINDS, type LockClass, type Trace } from '@lockscope/trace';
import { GrowableF64, GrowableU32, GrowableU8 } from './growable.js';
import { MaxMipmap } from './mipmap.js';
import { SlotSet, type IntervalTimes } from './slots.js';

export const IntervalKind = { Wait: 0, Hold: 1, Span: 2 } as const;
export type IntervalKind = (typeof IntervalKind)[keyof typeof IntervalKind];

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
export function isHoldValue(v: number): boolean {
  return v >= LaneValue.holdBase && v < LaneValue.waitBase;
}
export function classOfValue(v: number): number {
  return v & 15;
}

/** Span-row values: API calls and queued time on the top row, phases on the row below. */
export const SpanValue = { queue: 1, api: 2 } as const;

export interface ThreadLane {
  thread: number;
  waits: SlotSet;
  holds: SlotSet;
  /** Spans by nesting depth: 0 = API call (or queued time), 1+ = phases. */
  spans: SlotSet[];
  /** Lock row: max(wait/hold value) per bucket. */
  lod: MaxMipmap;
  /** Span rows: depth 0 and depth 1+. */
  spanLod: MaxMipmap;
  phaseLod: MaxMipmap;
  openSpans: number[];
  /** Open wait interval id per lock id (-1: none). Typed arrays: this is the hottest path. */
  openWait: Int32Array;
  /** Open hold interval id per lock id (-1: none); a second hold of the same lock stacks below. */
  openHold: Int32Array;
  heldAgain: Map<number, number[]>;
}

export interface LockLane {
  lock: number;
  holds: SlotSet;
  /** Queue depth over time as a step function: at depthTime[i] the depth became depth[i]. */
  depthTime: GrowableF64;
  depth: GrowableU32;
  waiting: number;
  maxWaiting: number;
  /** Threads holding the lock now (one, except for shared holds). A plain array: no iterator
   * objects on the hot path. */
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

export class TimelineIndex {
  // ---- interval table (columns) ----
  readonly start = new GrowableF64(1024);
  readonly end = new GrowableF64(1024);
  readonly kind = new GrowableU8(1024);
  readonly thread = new GrowableU32(1024);
  /** lock id for waits/holds; label id for spans. */
  readonly ref = new GrowableU32(1024);
  /** lock mode for waits/holds; SPAN_KINDS index for spans. */
  readonly mode = new GrowableU8(1024);
  /** waits: holder thread when the wait began (NONE if none); spans: subject label id or NONE. */
  readonly aux = new GrowableU32(1024);
  /** spans: the API span enclosing this interval (NONE if none); others: the same. */
  readonly api = new GrowableU32(1024);
  /** Interval ids in the order they closed (consumed incrementally by statistics). */
  readonly closed = new GrowableU32(1024);

  threadLanes: ThreadLane[] = [];
  lockLanes: LockLane[] = [];
  marks: Mark[] = [];
  /** Events of the trace already consumed. */
  processed = 0;
  /** Time of the newest event seen. */
  endTime = 0;
  /** Lock class index per lock id (cached from the dictionary). */
  private lockClass: number[] = [];

  constructor(private readonly trace: Trace) {}

  get source(): Trace {
    return this.trace;
  }

  get size(): number {
    return this.start.length;
  }

  /** Current column views for slot queries. */
  times(): IntervalTimes {
    return { start: this.start.data, end: this.end.data };
  }

  /** Consumes the events appended since the last call. Returns how many were consumed. */
  update(): number {
    const tr = this.trace;
    const from = this.processed;
    const n = tr.length;
    if (n - from > 4096) {
      // A bulk load: at most one interval per event, so size the columns once.
      for (const c of [this.start, this.end, this.kind, this.thread, this.ref, this.mode, this.aux, this.api, this.closed]) c.reserve(n - from);
    }
    for (let i = this.threadLanes.length; i < tr.threads.length; i++) this.threadLanes.push(newThreadLane(i, tr.locks.length));
    if (this.lockLanes.length < tr.locks.length) {
      for (let i = this.lockLanes.length; i < tr.locks.length; i++) {
        this.lockLanes.push(newLockLane(i));
        this.lockClass.push(LOCK_CLASSES.indexOf(tr.locks[i].class as LockClass));
      }
      for (const lane of this.threadLanes) growLockSlots(lane, tr.locks.length);
    }
    for (let i = from; i < n; i++) {
      const t = tr.time[i];
      const kind = tr.kind[i];
      const th = tr.thread[i];
      const ref = tr.ref[i];
      if (t > this.endTime) this.endTime = t;
      switch (kind) {
        case EventKind.LockRequest:
          this.onRequest(t, th, ref, tr.mode[i]);
          break;
        case EventKind.LockAcquired:
          this.onAcquired(t, th, ref, tr.mode[i]);
          break;
        case EventKind.LockReleased:
          this.onReleased(t, th, ref);
          break;
        case EventKind.SpanBegin:
          this.onSpanBegin(t, th, ref, tr.mode[i], tr.arg[i]);
          break;
        case EventKind.SpanEnd:
          this.onSpanEnd(t, th);
          break;
        case EventKind.Mark:
          this.marks.push({ t, label: tr.labels[ref] ?? '' });
          break;
      }
    }
    this.processed = n;
    return n - from;
  }

  private lane(th: number): ThreadLane {
    const lane = this.threadLanes[th];
    if (!lane) throw new Error(`event refers to unknown thread ${th}`);
    return lane;
  }

  private lockLane(lock: number): LockLane {
    const lane = this.lockLanes[lock];
    if (!lane) throw new Error(`event refers to unknown lock ${lock}`);
    return lane;
  }

  private add(kind: IntervalKind, t: number, th: number, ref: number, mode: number, aux: number): number {
    const id = this.start.push(t);
    this.end.push(Infinity);
    this.kind.push(kind);
    this.thread.push(th);
    this.ref.push(ref);
    this.mode.push(mode);
    this.aux.push(aux);
    const lane = this.threadLanes[th];
    const outer = lane && lane.openSpans.length > 0 ? lane.openSpans[0] : NONE;
    this.api.push(outer);
    return id;
  }

  private onRequest(t: number, th: number, lock: number, mode: number): void {
    const lane = this.lane(th);
    const ll = this.lockLane(lock);
    let holder = NONE;
    const holders = ll.holders;
    for (let k = 0; k < holders.length; k++) {
      if (holders[k] !== th) {
        holder = holders[k];
        break;
      }
    }
    const id = this.add(IntervalKind.Wait, t, th, lock, mode, holder);
    lane.openWait[lock] = id;
    lane.waits.open(id);
    this.setDepth(ll, t, ll.waiting + 1);
  }

  private onAcquired(t: number, th: number, lock: number, mode: number): void {
    const lane = this.lane(th);
    const ll = this.lockLane(lock);
    const cls = this.lockClass[lock];
    const w = lane.openWait[lock];
    if (w >= 0) {
      lane.openWait[lock] = -1;
      this.end.data[w] = t;
      lane.waits.close(w);
      this.closed.push(w);
      if (t > this.start.data[w]) lane.lod.insert(this.start.data[w], t, waitValue(cls));
      ll.totalWait += t - this.start.data[w];
      this.setDepth(ll, t, Math.max(0, ll.waiting - 1));
    }
    const id = this.add(IntervalKind.Hold, t, th, lock, mode, NONE);
    const before = lane.openHold[lock];
    if (before >= 0) {
      let again = lane.heldAgain.get(lock);
      if (!again) lane.heldAgain.set(lock, (again = []));
      again.push(before);
    }
    lane.openHold[lock] = id;
    lane.holds.open(id);
    ll.holds.open(id);
    if (before < 0) ll.holders.push(th);
  }

  private onReleased(t: number, th: number, lock: number): void {
    const lane = this.lane(th);
    const ll = this.lockLane(lock);
    const id = lane.openHold[lock];
    if (id < 0) return; // the validator reports it; drawing just ignores an unmatched release
    const below = lane.heldAgain.size === 0 ? undefined : lane.heldAgain.get(lock)?.pop();
    lane.openHold[lock] = below ?? -1;
    if (below === undefined) {
      const hs = ll.holders;
      const k = hs.indexOf(th);
      if (k >= 0) {
        hs[k] = hs[hs.length - 1];
        hs.pop();
      }
    }
    this.end.data[id] = t;
    lane.holds.close(id);
    ll.holds.close(id);
    this.closed.push(id);
    const s = this.start.data[id];
    lane.lod.insert(s, t, holdValue(this.lockClass[lock]));
    ll.lod.insert(s, t, 1);
  }

  private setDepth(ll: LockLane, t: number, depth: number): void {
    if (ll.waiting > 0 && t > ll.lastChange) ll.lod.insert(ll.lastChange, t, Math.min(255, 1 + ll.waiting));
    ll.waiting = depth;
    if (depth > ll.maxWaiting) ll.maxWaiting = depth;
    const n = ll.depthTime.length;
    if (n > 0 && ll.depthTime.data[n - 1] === t) {
      // Several changes at one instant (an uncontended request and its acquisition): keep the
      // last value only, and drop the step altogether if it changes nothing.
      if (n > 1 && ll.depth.data[n - 2] === depth) {
        ll.depthTime.length--;
        ll.depth.length--;
      } else {
        ll.depth.data[n - 1] = depth;
      }
    } else {
      ll.depthTime.push(t);
      ll.depth.push(depth);
    }
    ll.lastChange = t;
  }

  private onSpanBegin(t: number, th: number, label: number, spanKind: number, subject: number): void {
    const lane = this.lane(th);
    const depth = lane.openSpans.length;
    const id = this.add(IntervalKind.Span, t, th, label, spanKind, subject);
    while (lane.spans.length <= depth) lane.spans.push(new SlotSet());
    lane.spans[depth].open(id);
    lane.openSpans.push(id);
  }

  private onSpanEnd(t: number, th: number): void {
    const lane = this.lane(th);
    const id = lane.openSpans.pop();
    if (id === undefined) return;
    const depth = lane.openSpans.length;
    this.end.data[id] = t;
    lane.spans[depth].close(id);
    this.closed.push(id);
    const s = this.start.data[id];
    if (depth === 0) lane.spanLod.insert(s, t, this.mode.data[id] === SPAN_KINDS.indexOf('queue') ? SpanValue.queue : SpanValue.api);
    else lane.phaseLod.insert(s, t, SpanValue.api);
  }

  // ---- queries ----

  /** End time of an interval, with open intervals running to the newest event. */
  endOf(id: number): number {
    const e = this.end.data[id];
    return e === Infinity ? this.endTime : e;
  }

  isOpen(id: number): boolean {
    return this.end.data[id] === Infinity;
  }

  lockClassOf(lock: number): number {
    return this.lockClass[lock] ?? LOCK_CLASSES.length - 1;
  }

  /** The API span covering time t on a thread, or -1. */
  apiSpanAt(th: number, t: number): number {
    const lane = this.threadLanes[th];
    if (!lane || lane.spans.length === 0) return -1;
    return lane.spans[0].at(this.times(), t);
  }

  /**
   * The blocking chain of a wait: each step is the thread that held the lock when the wait
   * began and, if that thread was itself waiting then, its wait. Ends at the root holder.
   */
  chain(waitId: number, maxSteps = 32): Array<{ wait: number; holder: number }> {
    const out: Array<{ wait: number; holder: number }> = [];
    const seen = new Set<number>();
    let w = waitId;
    const t = this.start.data[waitId];
    while (out.length < maxSteps) {
      const holder = this.aux.data[w];
      out.push({ wait: w, holder });
      if (holder === NONE || seen.has(holder)) break;
      seen.add(holder);
      const lane = this.threadLanes[holder];
      if (!lane) break;
      const next = lane.waits.at(this.times(), t);
      if (next < 0 || next === w) break;
      w = next;
    }
    return out;
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
    let n = this.start.data.byteLength * 2 + this.kind.data.byteLength * 2 + this.thread.data.byteLength * 5;
    for (const l of this.threadLanes) n += l.lod.bytes + l.spanLod.bytes + l.phaseLod.bytes;
    for (const l of this.lockLanes) n += l.lod.bytes;
    return n;
  }
}

function growLockSlots(lane: ThreadLane, locks: number): void {
  if (lane.openWait.length >= locks) return;
  let cap = Math.max(16, lane.openWait.length);
  while (cap < locks) cap *= 2;
  const w = new Int32Array(cap).fill(-1);
  w.set(lane.openWait);
  const h = new Int32Array(cap).fill(-1);
  h.set(lane.openHold);
  lane.openWait = w;
  lane.openHold = h;
}

function newThreadLane(thread: number, locks: number): ThreadLane {
  const lane: ThreadLane = {
    thread,
    waits: new SlotSet(),
    holds: new SlotSet(),
    spans: [],
    lod: new MaxMipmap(),
    spanLod: new MaxMipmap(1 << 15),
    phaseLod: new MaxMipmap(1 << 13),
    openSpans: [],
    openWait: new Int32Array(0),
    openHold: new Int32Array(0),
    heldAgain: new Map(),
  };
  growLockSlots(lane, locks);
  return lane;
}

function newLockLane(lock: number): LockLane {
  return {
    lock,
    holds: new SlotSet(),
    depthTime: new GrowableF64(16),
    depth: new GrowableU32(16),
    waiting: 0,
    maxWaiting: 0,
    holders: [],
    lod: new MaxMipmap(1 << 15),
    lastChange: 0,
    totalWait: 0,
  };
}
