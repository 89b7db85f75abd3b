// A thread's lane: its API calls (and queued time) on top, phases below them, then one lock row
// per hold nesting depth, as Perfetto draws slice depth: a security-manager hold taken inside a
// domain job inside a domain-object hold shows on the third row, under both. Per row and pixel
// column the most important state wins (waiting beats holding beats idle), read from the row's
// level-of-detail pyramid when zoomed out and from the raw intervals when zoomed in. Waits sit
// on the row their hold will take, vermillion and hatched with a strip of their lock class.

import { NONE, SPAN_KINDS, intervalEnd } from '@lockscope/trace';
import { fillInterval } from '../../derived/mipmap.js';
import { SpanValue, classOfValue, holdValue, isWaitValue, waitValue, type ThreadLane, type TimelineIndex } from '../../derived/timelineIndex.js';
import { GUTTER, LOCK_Y, PHASE_H, PHASE_Y, SPAN_H, SPAN_Y, depthRowH, type ThreadRow } from '../layout.js';
import { CLASS_RGBA, HATCH, MAX_ARROWS, MAX_LABELS, PHASE_RGBA, QUEUE_RGBA, SPAN_RGBA, WAIT, WHITE, copyRows, countRuns, lineOf, nearest, type Band, type Frame, type LanePainter } from './frame.js';

const QUEUE_KIND = SPAN_KINDS.indexOf('queue');

/** Hold slots drawn on depth row `d` (the last row also takes every deeper slot). */
function slotsOfRow(lane: ThreadLane, d: number, rows: number): [number, number] {
  return d < rows - 1 ? [d, d + 1] : [d, lane.holds.slots.length];
}

/**
 * One lock row: holds inset top and bottom, waits full height, vermillion with dark hatching
 * and a strip of their lock class's colour at the bottom.
 */
function paintLockRow(band: Band, f: Frame, y0: number, y1: number, insetTop: number, insetBottom: number, strip: number, cols: Uint8Array): void {
  const n = cols.length;
  const holdLine = f.line;
  const waitLine = f.line2;
  const waitColumns = f.waitColumns;
  let waits = 0;
  for (let x = 0; x < n; x++) {
    const v = cols[x];
    if (v === 0) {
      holdLine[x] = WHITE;
      waitLine[x] = WHITE;
    } else if (isWaitValue(v)) {
      holdLine[x] = WAIT;
      waitLine[x] = WAIT;
      waitColumns[waits++] = x;
    } else {
      holdLine[x] = CLASS_RGBA[classOfValue(v)];
      waitLine[x] = WHITE;
    }
  }
  const a = Math.max(y0, band.top);
  const b = Math.min(y1, band.top + band.height);
  for (let y = a; y < b; y++) {
    const off = (y - band.top) * band.stride + band.x0;
    const inStrip = y >= y1 - strip;
    band.px.set(y < y0 + insetTop || y >= y1 - insetBottom ? waitLine : holdLine, off);
    // Hatching (and the class strip) only where a wait is drawn. Hatched: (x + y) % 6 < 2.
    if (inStrip) {
      for (let k = 0; k < waits; k++) {
        const x = waitColumns[k];
        band.px[off + x] = CLASS_RGBA[classOfValue(cols[x])];
      }
    } else if (waits * 3 < n) {
      for (let k = 0; k < waits; k++) {
        const x = waitColumns[k];
        if ((x + y) % 6 < 2) band.px[off + x] = HATCH;
      }
    } else {
      // Mostly waits (zoomed out): step through the hatched columns, x = -y and -y + 1 (mod 6).
      const px = band.px;
      const first = (6 - (y % 6)) % 6;
      if (first === 5 && isWaitValue(cols[0])) px[off] = HATCH;
      for (let x = first; x < n; x += 6) {
        if (isWaitValue(cols[x])) px[off + x] = HATCH;
        if (x + 1 < n && isWaitValue(cols[x + 1])) px[off + x + 1] = HATCH;
      }
    }
  }
}

/** Adds a row's runs to the summary: waits, holds, holds per class, nested holds. */
function countRow(f: Frame, cols: Uint8Array, nested: boolean): void {
  const s = f.summary;
  let prev = 0;
  for (let x = 0; x < cols.length; x++) {
    const v = cols[x];
    if (v !== prev && v !== 0) {
      if (isWaitValue(v)) s.waits++;
      else {
        const c = classOfValue(v);
        s.holds++;
        s.classHolds[c]++;
        if (nested) {
          s.nestedHolds++;
          s.nestedClassHolds[c]++;
        }
      }
    }
    prev = v;
  }
}

function spanLabel(index: TimelineIndex, id: number): string {
  const sub = index.subjectOf(id);
  const trace = index.source;
  return trace.labels[index.refOf(id)] + (sub !== NONE ? ` ${trace.labels[sub]}` : '');
}

/** The y (CSS) of the middle of a thread lane's lock rows, where arrows start and end. */
export function lockMid(row: ThreadRow, depth = -1): number {
  const h = depthRowH(row.depthRows);
  if (depth < 0) return row.y + LOCK_Y + (row.depthRows * h) / 2;
  return row.y + LOCK_Y + (Math.min(depth, row.depthRows - 1) + 0.5) * h;
}

/** Scratch: the waits in view of the lane being painted. */
const visibleWaits: number[] = [];

export const threadLane: LanePainter<ThreadRow> = {
  paint(row, index, f) {
    const { columns, t0, t1, nsPerDev, band, dy, summary, layout } = f;
    summary.threadLanes++;
    if (row.slot === 'compare') summary.compareLanes++;
    const lane = index.threadLanes[row.thread];
    if (!lane) return;
    const times = index.times();
    const rows = row.depthRows;
    if (rows > summary.depthRows) summary.depthRows = rows;
    // Each row from its pyramid unless zoomed in further than its finest buckets (a pyramid has
    // buckets in proportion to its intervals, so a raw row walks a bounded number of them).
    const raw = lane.lods[0].levelFor(nsPerDev) < 0;
    if (raw) summary.rawLanes++;
    else summary.lodLanes++;
    const rowH = depthRowH(rows);
    const depthOf = index.depth.data;
    // Interval times read straight from the columns in the loops below (a frame reads thousands).
    const { time, startEvent } = times;
    const iv = index.builder.intervals;
    const endTime = index.endTime;
    let waitsRead: ThreadLane | null = null;
    for (let d = 0; d < rows; d++) {
      columns.fill(0);
      const [s0, s1] = slotsOfRow(lane, d, rows);
      const lod = lane.lods[d];
      if (lod && lod.fillColumns(columns, t0, nsPerDev)) {
        // Open intervals are not in the pyramid yet: draw them to the newest event.
        for (let s = s0; s < s1; s++) {
          const id = lane.holds.openInSlot(s);
          if (id >= 0) fillInterval(columns, index.startOf(id), index.endTime, holdValue(index.lockClassOf(index.refOf(id))), t0, nsPerDev);
        }
        for (const id of lane.waits.openIds()) if (depthOf[id] === d) fillInterval(columns, index.startOf(id), index.endTime, waitValue(index.lockClassOf(index.refOf(id))), t0, nsPerDev);
      } else {
        for (let s = s0; s < s1; s++) {
          lane.holds.forEachInSlot(s, times, t0, t1, (id) => {
            fillInterval(columns, time[startEvent[id]], intervalEnd(iv, id, endTime), holdValue(index.lockClassOf(index.refOf(id))), t0, nsPerDev);
          });
        }
        // The lane's waits in view, read once for all its rows (each is drawn on one).
        if (waitsRead !== lane) {
          waitsRead = lane;
          visibleWaits.length = 0;
          lane.waits.forEachIn(times, t0, t1, (id) => {
            visibleWaits.push(id);
          });
        }
        for (const id of visibleWaits) {
          if (depthOf[id] !== d) continue;
          const s = time[startEvent[id]];
          const e = intervalEnd(iv, id, endTime);
          if (e <= s) continue; // uncontended: acquired at once
          fillInterval(columns, s, e, waitValue(index.lockClassOf(index.refOf(id))), t0, nsPerDev);
          // (who blocked it is looked up only while arrows are still drawn)
          const holder = f.arrows.length < MAX_ARROWS ? index.blockerOf(id) : NONE;
          if (holder !== NONE) {
            const hr = layout.threadRows[row.slot].get(holder);
            if (hr) f.arrows.push([f.xOf(s), lockMid(row, d), lockMid(hr)]);
          }
        }
      }
      countRow(f, columns, d > 0);
      const y0 = dy(row.y + LOCK_Y + d * rowH);
      const y1 = dy(row.y + LOCK_Y + (d + 1) * rowH);
      const one = rows === 1;
      paintLockRow(band, f, y0, y1, one ? Math.max(1, Math.round(2 * f.dpr)) : 0, one ? Math.max(1, Math.round(2 * f.dpr)) : Math.max(1, Math.round(f.dpr)), one ? Math.max(2, Math.round(3 * f.dpr)) : Math.max(1, Math.round(2 * f.dpr)), columns);
    }
    paintSpans(row, index, lane, f);
  },

  hit(row, index, t, slop, dy) {
    const lane = index.threadLanes[row.thread];
    if (!lane) return -1;
    const times = index.times();
    let id = -1;
    if (dy >= LOCK_Y - 1) {
      const rowH = depthRowH(row.depthRows);
      const d = Math.max(0, Math.min(row.depthRows - 1, Math.floor((dy - LOCK_Y) / rowH)));
      const depthOf = index.depth.data;
      id = nearest(index, t, slop, (fn) => lane.waits.forEachIn(times, t - slop, t + slop, (w) => (depthOf[w] === d ? fn(w) : undefined)), true);
      if (id < 0) {
        const [s0, s1] = slotsOfRow(lane, d, row.depthRows);
        id = nearest(index, t, slop, (fn) => {
          for (let s = s0; s < s1; s++) lane.holds.forEachInSlot(s, times, t - slop, t + slop, fn);
        }, false);
      }
      if (id < 0) id = nearest(index, t, slop, (fn) => lane.waits.forEachIn(times, t - slop, t + slop, fn), true);
    }
    if (id < 0) {
      const depth = dy >= PHASE_Y && lane.spans.length > 1 ? lane.spans.length - 1 : 0;
      for (let d = Math.min(depth, lane.spans.length - 1); d >= 0 && id < 0; d--) id = nearest(index, t, slop, (fn) => lane.spans[d].forEachIn(times, t - slop, t + slop, fn), false);
    }
    return id;
  },
};

/** The span rows: API calls (labelled where wide enough) then phases. */
function paintSpans(row: ThreadRow, index: TimelineIndex, lane: ThreadLane, f: Frame): void {
  const { columns, t0, t1, nsPerDev, band, dy, width, labels } = f;
  const times = index.times();
  const spanSlots = lane.spans[0];
  if (spanSlots) {
    columns.fill(0);
    const pushLabel = (id: number): void => {
      const x0 = Math.max(GUTTER, f.xOf(index.startOf(id)));
      const x1 = Math.min(width, f.xOf(index.endOf(id)));
      if (x1 - x0 > 60 && labels.length < MAX_LABELS) labels.push({ x: x0, y: row.y + SPAN_Y, w: x1 - x0, text: spanLabel(index, id) });
    };
    if (!lane.spanLod.fillColumns(columns, t0, nsPerDev)) {
      columns.fill(0);
      spanSlots.forEachIn(times, t0, t1, (id) => {
        fillInterval(columns, index.startOf(id), index.endOf(id), index.modeOf(id) === QUEUE_KIND ? SpanValue.queue : SpanValue.api, t0, nsPerDev);
        pushLabel(id);
      });
    } else {
      for (const id of spanSlots.openIds()) fillInterval(columns, index.startOf(id), index.endTime, SpanValue.api, t0, nsPerDev);
      // Labels of the API calls wide enough to read, even when the bars come from the pyramid.
      let visited = 0;
      spanSlots.forEachIn(times, t0, t1, (id) => {
        pushLabel(id);
        return ++visited > 150 || labels.length >= MAX_LABELS;
      });
    }
    f.summary.spans += countRuns(columns, () => true);
    copyRows(band, dy(row.y + SPAN_Y), dy(row.y + SPAN_Y + SPAN_H), lineOf(columns, f.line, (v) => (v === SpanValue.queue ? QUEUE_RGBA : SPAN_RGBA)));
  }
  if (lane.spans.length > 1) {
    columns.fill(0);
    if (!lane.phaseLod.fillColumns(columns, t0, nsPerDev)) {
      columns.fill(0);
      for (let d = 1; d < lane.spans.length; d++) {
        lane.spans[d].forEachIn(times, t0, t1, (id) => fillInterval(columns, index.startOf(id), index.endOf(id), SpanValue.api, t0, nsPerDev));
      }
    } else {
      for (let d = 1; d < lane.spans.length; d++) for (const id of lane.spans[d].openIds()) fillInterval(columns, index.startOf(id), index.endTime, SpanValue.api, t0, nsPerDev);
    }
    copyRows(band, dy(row.y + PHASE_Y), dy(row.y + PHASE_Y + PHASE_H), lineOf(columns, f.line, () => PHASE_RGBA));
  }
}
