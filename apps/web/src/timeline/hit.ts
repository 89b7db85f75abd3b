// What is under the pointer: the interval (wait beats hold beats span) nearest to a point.

import { TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { GUTTER, LOCK_Y, PHASE_Y, type Layout, type Row } from './layout.js';

export interface Hit {
  slot: TraceSlot;
  interval: number;
  row: Row;
}

export function rowAt(layout: Layout, y: number): Row | null {
  let lo = 0;
  let hi = layout.rows.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = layout.rows[mid];
    if (y < r.y) hi = mid - 1;
    else if (y >= r.y + r.h) lo = mid + 1;
    else return r;
  }
  return null;
}

/** Nearest interval of `ids` within `slop` ns of t, preferring ones that cover t. */
function nearest(index: TimelineIndex, t: number, slop: number, each: (fn: (id: number) => void) => void, skipEmpty: boolean): number {
  let best = -1;
  let bestD = Infinity;
  each((id) => {
    const s = index.start.data[id];
    const e = index.endOf(id);
    if (skipEmpty && e <= s) return;
    const d = t < s ? s - t : t > e ? t - e : 0;
    if (d <= slop && d < bestD) {
      best = id;
      bestD = d;
    }
  });
  return best;
}

export function hitTest(layout: Layout, indexes: Partial<Record<TraceSlot, TimelineIndex | null>>, x: number, y: number, t0: number, t1: number, width: number): Hit | null {
  if (x < GUTTER) return null;
  const row = rowAt(layout, y);
  if (!row || row.type === 'header') return null;
  const index = indexes[row.slot];
  if (!index) return null;
  const nsPerPx = (t1 - t0) / Math.max(1, width - GUTTER);
  const t = t0 + (x - GUTTER) * nsPerPx;
  const slop = 3 * nsPerPx;
  const times = index.times();
  let id = -1;
  if (row.type === 'lock') {
    const ll = index.lockLanes[row.lock];
    if (ll) id = nearest(index, t, slop, (fn) => ll.holds.forEachIn(times, t - slop, t + slop, fn), false);
  } else {
    const lane = index.threadLanes[row.thread];
    if (!lane) return null;
    const dy = y - row.y;
    if (dy >= LOCK_Y - 1) {
      id = nearest(index, t, slop, (fn) => lane.waits.forEachIn(times, t - slop, t + slop, fn), true);
      if (id < 0) id = nearest(index, t, slop, (fn) => lane.holds.forEachIn(times, t - slop, t + slop, fn), false);
    }
    if (id < 0) {
      const depth = dy >= PHASE_Y && lane.spans.length > 1 ? lane.spans.length - 1 : 0;
      for (let d = Math.min(depth, lane.spans.length - 1); d >= 0 && id < 0; d--) id = nearest(index, t, slop, (fn) => lane.spans[d].forEachIn(times, t - slop, t + slop, fn), false);
    }
  }
  return id < 0 ? null : { slot: row.slot, interval: id, row };
}
