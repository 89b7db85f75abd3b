// What is under the pointer: the lane's own painter finds the interval (wait beats hold beats
// span) nearest to the point.

import type { TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { painterOf } from './lanes/index.js';
import { GUTTER, type Layout, type Row } from './layout.js';

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

export function hitTest(layout: Layout, indexes: Partial<Record<TraceSlot, TimelineIndex | null>>, x: number, y: number, t0: number, t1: number, width: number): Hit | null {
  if (x < GUTTER) return null;
  const row = rowAt(layout, y);
  if (!row) return null;
  const index = indexes[row.slot];
  if (!index) return null;
  const nsPerPx = (t1 - t0) / Math.max(1, width - GUTTER);
  const t = t0 + (x - GUTTER) * nsPerPx;
  const id = painterOf(row).hit(row, index, t, 3 * nsPerPx, y - row.y);
  return id < 0 ? null : { slot: row.slot, interval: id, row };
}
