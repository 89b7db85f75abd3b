// A lock's lane: who holds it (a bar in the lock class's colour, the holder named where wide
// enough) and how many wait for it (a vermillion bar growing from the bottom, 1 px per waiter).

import { intervalEnd } from '@lockscope/trace';
import { fillInterval } from '../../derived/mipmap.js';
import type { TimelineIndex } from '../../derived/timelineIndex.js';
import { GUTTER, LOCK_LANE_H, type LockRow } from '../layout.js';
import { CLASS_RGBA, MAX_LOCK_LABELS, WAIT, copyRows, countRuns, lineOf, nearest, type Frame, type LanePainter } from './frame.js';

/** A lock's queue over [t0, t1] into columns (value 1 + depth): per pixel column, how many of
 * its waits (those not granted at once) cover it, summed from +1 / -1 at their ends. */
function fillQueue(index: TimelineIndex, lock: number, f: Frame): void {
  const { columns, t0, t1, nsPerDev } = f;
  const width = columns.length;
  // waitColumns is free scratch outside a thread row's paint.
  const delta = f.waitColumns;
  delta.fill(0);
  let any = false;
  const times = index.times();
  const { time, startEvent } = times;
  const iv = index.builder.intervals;
  const endTime = index.endTime;
  index.lockLanes[lock].waits.forEachIn(times, t0, t1, (id) => {
    const s = time[startEvent[id]];
    const e = intervalEnd(iv, id, endTime);
    if (e <= s) return;
    let x0 = Math.floor((s - t0) / nsPerDev);
    let x1 = Math.ceil((e - t0) / nsPerDev);
    if (x1 <= x0) x1 = x0 + 1;
    if (x1 <= 0 || x0 >= width) return;
    if (x0 < 0) x0 = 0;
    delta[x0]++;
    if (x1 < width) delta[x1]--;
    any = true;
  });
  if (!any) return;
  let d = 0;
  for (let x = 0; x < width; x++) {
    d += delta[x];
    if (d > 0) {
      const v = Math.min(255, 1 + d);
      if (columns[x] < v) columns[x] = v;
    }
  }
}

export const lockLane: LanePainter<LockRow> = {
  paint(row, index, f) {
    const { columns, t0, t1, nsPerDev, band, dy, width } = f;
    f.summary.lockLanes++;
    const ll = index.lockLanes[row.lock];
    if (!ll) return;
    columns.fill(0);
    const times = index.times();
    if (!ll.lod.fillColumns(columns, t0, nsPerDev)) {
      ll.holds.forEachIn(times, t0, t1, (id) => fillInterval(columns, index.startOf(id), index.endOf(id), 1, t0, nsPerDev));
      fillQueue(index, row.lock, f);
    } else {
      for (const id of ll.holds.openIds()) fillInterval(columns, index.startOf(id), index.endTime, 1, t0, nsPerDev);
      if (ll.waiting > 0) fillInterval(columns, ll.lastChange, index.endTime, Math.min(255, 1 + ll.waiting), t0, nsPerDev);
    }
    const held = CLASS_RGBA[index.lockClassOf(row.lock)];
    // Who holds it: the holder's name on holds wide enough to read.
    let visited = 0;
    ll.holds.forEachIn(times, t0, t1, (id) => {
      const x0 = Math.max(GUTTER, f.xOf(index.startOf(id)));
      const x1 = Math.min(width, f.xOf(index.endOf(id)));
      if (x1 - x0 > 50 && f.lockLabels.length < MAX_LOCK_LABELS) f.lockLabels.push({ x: x0, y: row.y + 3, w: x1 - x0, text: index.source.threads[index.threadOf(id)]?.name ?? '' });
      return ++visited > 150 || f.lockLabels.length >= MAX_LOCK_LABELS;
    });
    if (countRuns(columns, (v) => v > 1) > 0) f.summary.queuedLockLanes++;
    const y0 = dy(row.y + 3);
    const y1 = dy(row.y + LOCK_LANE_H - 3);
    const base = dy(row.y + LOCK_LANE_H - 2);
    copyRows(band, y0, y1, lineOf(columns, f.line, () => held));
    // Queue depth: a vermillion bar growing from the bottom, 1 px per waiter.
    const a = Math.max(y0, band.top);
    const b = Math.min(base, band.top + band.height);
    for (let x = 0; x < columns.length; x++) {
      const v = columns[x];
      if (v <= 1) continue;
      // At most half the lane, so the holder stays visible above the queue.
      const from = Math.max(a, base - Math.round(Math.min((LOCK_LANE_H - 4) / 2, 1 + (v - 1)) * f.dpr));
      for (let y = from; y < b; y++) band.px[(y - band.top) * band.stride + band.x0 + x] = WAIT;
    }
  },

  hit(row, index, t, slop) {
    const ll = index.lockLanes[row.lock];
    if (!ll) return -1;
    const times = index.times();
    return nearest(index, t, slop, (fn) => ll.holds.forEachIn(times, t - slop, t + slop, fn), false);
  },
};
