// Intervals of one lane kept in "slots": each slot holds intervals that never overlap, in start
// order, so a view finds its first visible interval with a binary search. An interval takes the
// lowest slot that is free when it opens (nested or hand-over-hand holds on one thread land in
// different slots).

import { GrowableU32 } from './growable.js';

export interface IntervalTimes {
  /** Start ns per interval id. */
  start: Float64Array;
  /** End ns per interval id; NaN while the interval is open (it sorts after every end: a slot's
   * open interval is its last). */
  end: Float64Array;
}

export class SlotSet {
  readonly slots: GrowableU32[] = [];
  /** Interval open in each slot, or -1. */
  private openIn: number[] = [];

  /** The slot the next interval opened would take. */
  firstFree(): number {
    const s = this.openIn.indexOf(-1);
    return s < 0 ? this.slots.length : s;
  }

  /** Adds an open interval; returns its slot. */
  open(id: number): number {
    let s = this.openIn.indexOf(-1);
    if (s < 0) {
      s = this.slots.length;
      this.slots.push(new GrowableU32(16));
      this.openIn.push(-1);
    }
    this.slots[s].push(id);
    this.openIn[s] = id;
    return s;
  }

  /** Adds an interval that is already closed (for example a zero-length wait). */
  closedAt(id: number): void {
    const s = this.open(id);
    this.openIn[s] = -1;
  }

  close(id: number): void {
    const s = this.openIn.indexOf(id);
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
    for (let s = 0; s < this.slots.length; s++) if (this.forEachInSlot(s, times, t0, t1, fn)) return;
  }

  /** Calls fn for every interval of slot `s` overlapping [t0, t1], until fn returns true (then
   * returns true). */
  forEachInSlot(s: number, times: IntervalTimes, t0: number, t1: number, fn: (id: number) => boolean | void): boolean {
    const slot = this.slots[s];
    if (!slot) return false;
    const { start, end } = times;
    const ids = slot.data;
    const n = slot.length;
    // First interval whose end >= t0 (ends are sorted within a slot).
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (end[ids[mid]] < t0) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < n; i++) {
      const id = ids[i];
      if (start[id] > t1) break;
      if (fn(id) === true) return true;
    }
    return false;
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
