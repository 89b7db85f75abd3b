// What the index's tests share (imports vitest: never imported by the app).

import { expect } from 'vitest';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

/** Asserts two indexes of the same events agree on every interval, lane, slot and pyramid view. */
export function expectSameIndex(live: TimelineIndex, whole: TimelineIndex): void {
  const facts = (ix: TimelineIndex): number[][] =>
    [...Array(ix.size).keys()].map((id) => [ix.startOf(id), ix.endOf(id), ix.kindOf(id), ix.threadOf(id), ix.refOf(id), ix.depth.data[id], ix.apiOf(id), ix.kindOf(id) === IntervalKind.Wait ? ix.blockerOf(id) : -1]);
  expect(facts(live)).toEqual(facts(whole));
  const slots = (ix: TimelineIndex): number[][][] => ix.threadLanes.map((l) => [...l.holds.slots, ...l.waits.slots, ...l.spans.flatMap((s) => s.slots)].map((g) => [...g.view()]));
  expect(slots(live)).toEqual(slots(whole));
  const open = (ix: TimelineIndex): number[][] => ix.threadLanes.map((l) => [...l.holds.openIds(), -1, ...l.waits.openIds(), -1, ...l.spans.flatMap((s) => s.openIds()), -1, ...ix.builder.openSpans(l.thread)]);
  expect(open(live)).toEqual(open(whole));
  // Lock lanes: their slots, what is open, the queue state and the figures the layout sorts by.
  const locks = (ix: TimelineIndex): unknown[] =>
    ix.lockLanes.map((l) => [l.holds.slots.map((g) => [...g.view()]), l.waits.slots.map((g) => [...g.view()]), l.holds.openIds(), l.waits.openIds(), l.waiting, l.maxWaiting, l.lastChange, l.totalWait]);
  expect(locks(live)).toEqual(locks(whole));
  // Pyramids (sized differently: a bulk load knows its counts) agree wherever both have a level.
  const coarse = 2 ** Math.max(12, Math.ceil(Math.log2(whole.endTime / 64)));
  const view = (lod: { fillColumns(c: Uint8Array, t0: number, ns: number): boolean }): number[] => {
    const cols = new Uint8Array(80);
    expect(lod.fillColumns(cols, 0, coarse)).toBe(true);
    return [...cols];
  };
  const pyramids = (ix: TimelineIndex): number[][] => [...ix.threadLanes.flatMap((l) => [...l.lods, l.spanLod, l.phaseLod]), ...ix.lockLanes.map((l) => l.lod)].map(view);
  expect(pyramids(live)).toEqual(pyramids(whole));
}
