// Intervals of one lane kept in "slots": each slot holds intervals that never overlap, in start
// order, so a view finds its first visible interval with a binary search. An interval takes the
// lowest slot that is free when it opens (nested or hand-over-hand holds on one thread land in
// different slots).

import { GrowableU32, NONE } from '@lockscope/trace';

/** Where interval times are read: an interval is its opening and closing events. */
export interface IntervalTimes {
  /** The trace's event times, ns. */
  time: Float64Array;
  /** Opening event per interval id. */
  startEvent: Uint32Array;
  /** Closing event per interval id; NONE while the interval is open (it sorts after every end:
   * a slot's open interval is its last). */
  endEvent: Uint32Array;
}

/** Calls fn for every interval of `list` (non-overlapping, in start order) overlapping [t0, t1],
 * until fn returns true (then returns true). */
function forEachInList(list: GrowableU32, times: IntervalTimes, t0: number, t1: number, fn: (id: number) => boolean | void): boolean {
  const { time, startEvent, endEvent } = times;
  const ids = list.data;
  const n = list.length;
  // First interval whose end >= t0 (ends are sorted within a list of non-overlapping intervals).
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const e = endEvent[ids[mid]];
    if (e !== NONE && time[e] < t0) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < n; i++) {
    const id = ids[i];
    if (time[startEvent[id]] > t1) break;
    if (fn(id) === true) return true;
  }
  return false;
}

/** Position of `id` in `openIn`, or -1 (a loop the engine inlines: a lane has few slots, and
 * indexOf is a call per interval on the bulk-load path). */
function slotOf(openIn: number[], id: number): number {
  for (let s = 0; s < openIn.length; s++) if (openIn[s] === id) return s;
  return -1;
}

/** A slot set as plain data, to move it between threads (its lists' buffers transfer). A
 * borrowed list is not carried: the receiver lends its own copy of it (see `SlotSet.fromState`). */
export interface SlotState {
  slots: Array<{ data: Uint32Array; length: number }>;
  openIn: number[];
  borrowed: boolean;
}

export class SlotSet {
  readonly slots: GrowableU32[] = [];
  /** Interval open in each slot, or -1. */
  private openIn: number[] = [];
  /** Slot 0 is a list someone else fills (see `over`). */
  private external = false;

  /**
   * A single slot over a list its owner fills, for intervals that never overlap (a thread's
   * waits: the interval builder's list, not a second copy). `open` and `close` only track which
   * one is open.
   */
  static over(list: GrowableU32): SlotSet {
    const s = new SlotSet();
    s.slots.push(list);
    s.openIn.push(-1);
    s.external = true;
    return s;
  }

  toState(): SlotState {
    return { slots: this.external ? [] : this.slots.map((g) => ({ data: g.data, length: g.length })), openIn: this.openIn, borrowed: this.external };
  }

  /** The slot set `state` describes; a borrowed one reads `lent` (the same list, as its owner
   * on this side built it). */
  static fromState(state: SlotState, lent?: GrowableU32): SlotSet {
    if (state.borrowed) {
      if (!lent) throw new Error('a borrowed slot set needs the list it reads');
      const s = SlotSet.over(lent);
      s.openIn = [...state.openIn];
      return s;
    }
    const s = new SlotSet();
    for (const { data, length } of state.slots) {
      const g = new GrowableU32();
      g.data = data;
      g.length = length;
      s.slots.push(g);
    }
    s.openIn = [...state.openIn];
    return s;
  }

  /** Buffers of the lists a `toState()` carries. */
  buffers(): ArrayBuffer[] {
    // (an empty list may share one zero-length array with others: it is copied, not moved)
    return this.external ? [] : this.slots.map((g) => g.data.buffer as ArrayBuffer).filter((b) => b.byteLength > 0);
  }

  /** Its one slot is a list someone else owns (see `over`). */
  get borrowed(): boolean {
    return this.external;
  }

  /** Drops the slots' spare room (after a bulk load). */
  trim(): void {
    for (const s of this.slots) s.trim();
  }

  /** Makes room in slot 0 for `extra` more intervals (a bulk load that knows its count). */
  reserve(extra: number): void {
    if (this.slots.length === 0) {
      this.slots.push(new GrowableU32());
      this.openIn.push(-1);
    }
    this.slots[0].reserve(extra);
  }

  /** The slot the next interval opened would take. */
  firstFree(): number {
    const s = slotOf(this.openIn, -1);
    return s < 0 ? this.slots.length : s;
  }

  /** Adds an open interval; returns its slot. */
  open(id: number): number {
    if (this.external) {
      if (this.openIn[0] < 0) {
        this.openIn[0] = id;
        return 0;
      }
      // An interval opens while another is open: the owner's list is no longer one slot of
      // intervals that never overlap (a trace that lost a release). Keep a copy of what it held
      // before `id` (in start order: `id` and what follows, its owner has added ahead of this
      // set, in the same batch of events), and place `id` as any slot set would.
      const list = this.slots[0];
      const own = new GrowableU32(Math.max(16, list.length));
      for (let k = 0; k < list.length && list.data[k] < id; k++) own.push(list.data[k]);
      this.slots[0] = own;
      this.external = false;
    }
    let s = slotOf(this.openIn, -1);
    if (s < 0) {
      s = this.slots.length;
      this.slots.push(new GrowableU32(16));
      this.openIn.push(-1);
    }
    this.slots[s].push(id);
    this.openIn[s] = id;
    return s;
  }

  /** Closes interval `id`; `slot`, if given, is where it probably is (where `open` put it). */
  close(id: number, slot = -1): void {
    const s = slot >= 0 && this.openIn[slot] === id ? slot : slotOf(this.openIn, id);
    if (s >= 0) this.openIn[s] = -1;
  }

  openIds(): number[] {
    return this.openIn.filter((id) => id >= 0);
  }

  /** The interval open in slot `s`, or -1. */
  openInSlot(s: number): number {
    return this.openIn[s] ?? -1;
  }

  get count(): number {
    let n = 0;
    for (const s of this.slots) n += s.length;
    return n;
  }

  /** Calls fn for every interval overlapping [t0, t1], until fn returns true. */
  forEachIn(times: IntervalTimes, t0: number, t1: number, fn: (id: number) => boolean | void): void {
    for (let s = 0; s < this.slots.length; s++) if (forEachInList(this.slots[s], times, t0, t1, fn)) return;
  }

  /** Calls fn for every interval of slot `s` overlapping [t0, t1], until fn returns true (then
   * returns true). */
  forEachInSlot(s: number, times: IntervalTimes, t0: number, t1: number, fn: (id: number) => boolean | void): boolean {
    const slot = this.slots[s];
    return slot ? forEachInList(slot, times, t0, t1, fn) : false;
  }

  /** The interval covering time t, or -1 (first slot first). */
  at(times: IntervalTimes, t: number): number {
    let found = -1;
    this.forEachIn(times, t, t, (id) => {
      if (found < 0) found = id;
    });
    return found;
  }
}
