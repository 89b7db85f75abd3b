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

/** The row at canvas y (CSS px), the lanes scrolled by `scrollTop`: the fixed rows cover the top
 * `fixedHeight` px of the visible plot, and the lanes scrolled beneath them get no hits. */
export function rowAt(layout: Layout, canvasY: number, scrollTop = 0): Row | null {
  const y = canvasY - scrollTop < layout.fixedHeight ? canvasY - scrollTop : canvasY;
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

export function hitTest(layout: Layout, indexes: Partial<Record<TraceSlot, TimelineIndex | null>>, x: number, canvasY: number, t0: number, t1: number, width: number, scrollTop = 0): Hit | null {
  if (x < GUTTER) return null;
  const row = rowAt(layout, canvasY, scrollTop);
  if (!row) return null;
  // Where the row is drawn: a fixed row moves down with the scroll.
  const y = row.y < layout.fixedHeight ? canvasY - scrollTop : canvasY;
  const index = indexes[row.slot];
  if (!index) return null;
  const nsPerPx = (t1 - t0) / Math.max(1, width - GUTTER);
  const t = t0 + (x - GUTTER) * nsPerPx;
  const id = painterOf(row).hit(row, index, t, 3 * nsPerPx, y - row.y);
  return id < 0 ? null : { slot: row.slot, interval: id, row };
}
