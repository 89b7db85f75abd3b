import { describe, expect, it } from 'vitest';
import { GrowableU32, NONE } from '@lockscope/trace';
import { SlotSet } from './slots.js';

/** Intervals [start, end) as event columns: interval i opens at event 2i, closes at event 2i + 1. */
function intervals(spans: Array<[number, number | null]>): { time: Float64Array; startEvent: Uint32Array; endEvent: Uint32Array } {
  const time = new Float64Array(spans.length * 2);
  const startEvent = new Uint32Array(spans.length);
  const endEvent = new Uint32Array(spans.length);
  spans.forEach(([s, e], i) => {
    time[2 * i] = s;
    time[2 * i + 1] = e ?? 0;
    startEvent[i] = 2 * i;
    endEvent[i] = e === null ? NONE : 2 * i + 1;
  });
  return { time, startEvent, endEvent };
}

describe('SlotSet.over', () => {
  it("reads its owner's list while intervals never overlap, and keeps its own slots once they do", () => {
    // Interval 1 never closes (a lost release); 2 opens while it is open.
    const times = intervals([
      [0, 10],
      [20, null],
      [30, 40],
      [50, 60],
    ]);
    const list = new GrowableU32();
    const set = SlotSet.over(list);
    const feed = (id: number, closes: boolean): void => {
      list.push(id); // the owner adds it first, as the interval builder does
      set.open(id);
      if (closes) set.close(id);
    };
    feed(0, true);
    feed(1, false);
    expect(set.borrowed).toBe(true);
    feed(2, true);
    expect(set.borrowed).toBe(false);
    feed(3, true);
    // Every interval found where it is: the never-closed one alone in its slot.
    const found = (t0: number, t1: number): number[] => {
      const out: number[] = [];
      set.forEachIn(times, t0, t1, (id) => {
        out.push(id);
      });
      return out.sort((a, b) => a - b);
    };
    expect(found(35, 55)).toEqual([1, 2, 3]);
    expect(found(0, 5)).toEqual([0]);
    expect(found(45, 45)).toEqual([1]);
    expect(set.openIds()).toEqual([1]);
  });
});
