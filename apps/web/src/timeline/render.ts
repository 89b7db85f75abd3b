// Draws the timeline on a 2D canvas. Per lane and per pixel column it draws the most important
// state under that pixel (waiting beats holding beats idle): from the lane's level-of-detail
// pyramid when zoomed out, from the raw intervals (binary-searched to the window) when zoomed in.
// Rectangles are batched per colour, so a frame is a few dozen fill calls whatever the zoom.
// It returns what it drew, which feeds the accessible summary and the browser tests.

import { LOCK_CLASSES, NONE } from '@lockscope/trace';
import { fillInterval, forEachRun } from '../derived/mipmap.js';
import { IntervalKind, SpanValue, classOfValue, holdValue, isWaitValue, waitValue, type TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { GUTTER, LOCK_H, LOCK_LANE_H, LOCK_Y, PHASE_H, PHASE_Y, SPAN_H, SPAN_Y, type Layout } from './layout.js';
import {
  ARROW_COLOUR,
  CLASS_COLOUR_LIST,
  GRID_COLOUR,
  MARK_COLOUR,
  MATCH_COLOUR,
  PHASE_COLOUR,
  QUEUE_COLOUR,
  SELECT_COLOUR,
  SPAN_COLOUR,
  TEXT_COLOUR,
  WAIT_COLOUR,
} from './palette.js';

export interface Selection {
  slot: TraceSlot;
  interval: number;
}

export interface RenderInput {
  ctx: CanvasRenderingContext2D;
  /** CSS pixels. */
  width: number;
  height: number;
  layout: Layout;
  indexes: Partial<Record<TraceSlot, TimelineIndex | null>>;
  t0: number;
  t1: number;
  selected?: Selection | null;
  /** Interval ids (sorted ascending = by start) matching the search, per slot. */
  matches?: Partial<Record<TraceSlot, Uint32Array>>;
  /** Vertical range actually visible (CSS px), to skip drawing rows outside it. */
  visibleTop?: number;
  visibleBottom?: number;
}

export interface DrawnSummary {
  /** Runs of pixels drawn as waiting, over all thread lanes. */
  waits: number;
  /** Runs of pixels drawn as holding. */
  holds: number;
  spans: number;
  threadLanes: number;
  lockLanes: number;
  /** Lanes drawn from the pyramid / from raw intervals. */
  lodLanes: number;
  rawLanes: number;
  arrows: number;
  marks: number;
  /** Lock lanes that showed a queue (someone waiting). */
  queuedLockLanes: number;
  matches: number;
}

/** Rectangles of one colour, batched into one path fill. */
class RectBatch {
  data = new Float32Array(4096);
  n = 0;
  add(x: number, y: number, w: number, h: number): void {
    if (this.n + 4 > this.data.length) {
      const next = new Float32Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    const d = this.data;
    d[this.n++] = x;
    d[this.n++] = y;
    d[this.n++] = w;
    d[this.n++] = h;
  }
  fill(ctx: CanvasRenderingContext2D, style: string | CanvasPattern): void {
    if (this.n === 0) return;
    ctx.fillStyle = style;
    ctx.beginPath();
    const d = this.data;
    for (let i = 0; i < this.n; i += 4) ctx.rect(d[i], d[i + 1], d[i + 2], d[i + 3]);
    ctx.fill();
  }
  reset(): void {
    this.n = 0;
  }
}

const NCLASS = LOCK_CLASSES.length;
const holdBatches = Array.from({ length: NCLASS }, () => new RectBatch());
const lockHeldBatches = Array.from({ length: NCLASS }, () => new RectBatch());
const waitStripBatches = Array.from({ length: NCLASS }, () => new RectBatch());
const waitBatch = new RectBatch();
const depthBatch = new RectBatch();
const spanBatch = new RectBatch();
const queueBatch = new RectBatch();
const phaseBatch = new RectBatch();
let columns = new Uint8Array(0);
let hatch: CanvasPattern | null = null;

function hatchPattern(ctx: CanvasRenderingContext2D): CanvasPattern | null {
  if (hatch) return hatch;
  if (typeof document === 'undefined') return null;
  const c = document.createElement('canvas');
  c.width = 6;
  c.height = 6;
  const p = c.getContext('2d');
  if (!p) return null;
  p.strokeStyle = 'rgba(0,0,0,0.55)';
  p.lineWidth = 1.5;
  p.beginPath();
  p.moveTo(-1, 7);
  p.lineTo(7, -1);
  p.stroke();
  hatch = ctx.createPattern(c, 'repeat');
  return hatch;
}

interface Label {
  x: number;
  y: number;
  w: number;
  text: string;
}

export function renderTimeline(input: RenderInput): DrawnSummary {
  const { ctx, width, height, layout, t0, t1 } = input;
  const plotW = Math.max(1, Math.floor(width - GUTTER));
  const nsPerPx = (t1 - t0) / plotW;
  const top = input.visibleTop ?? 0;
  const bottom = input.visibleBottom ?? height;
  const summary: DrawnSummary = { waits: 0, holds: 0, spans: 0, threadLanes: 0, lockLanes: 0, lodLanes: 0, rawLanes: 0, arrows: 0, marks: 0, queuedLockLanes: 0, matches: 0 };
  if (columns.length !== plotW) columns = new Uint8Array(plotW);
  for (const b of holdBatches) b.reset();
  for (const b of lockHeldBatches) b.reset();
  for (const b of waitStripBatches) b.reset();
  waitBatch.reset();
  depthBatch.reset();
  spanBatch.reset();
  queueBatch.reset();
  phaseBatch.reset();
  const labels: Label[] = [];
  const arrows: Array<[number, number, number, number]> = [];

  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = '#FFFFFF';
  ctx.fillRect(0, top, width, bottom - top);

  const xOf = (t: number): number => GUTTER + (t - t0) / nsPerPx;

  for (const row of layout.rows) {
    if (row.y + row.h < top || row.y > bottom) continue;
    const index = input.indexes[row.slot];
    if (!index) continue;
    if (row.type === 'header') continue;
    if (row.type === 'thread') {
      summary.threadLanes++;
      const lane = index.threadLanes[row.thread];
      if (!lane) continue;
      const times = index.times();
      // ---- lock row: waits beat holds ----
      columns.fill(0);
      let raw = false;
      if (lane.lod.fillColumns(columns, t0, nsPerPx)) {
        summary.lodLanes++;
        // Open intervals are not in the pyramid yet: draw them to the newest event.
        for (const id of lane.holds.openIds()) fillInterval(columns, index.start.data[id], index.endTime, holdValue(index.lockClassOf(index.ref.data[id])), t0, nsPerPx);
        for (const id of lane.waits.openIds()) fillInterval(columns, index.start.data[id], index.endTime, waitValue(index.lockClassOf(index.ref.data[id])), t0, nsPerPx);
      } else {
        raw = true;
        summary.rawLanes++;
        lane.holds.forEachIn(times, t0, t1, (id) => {
          fillInterval(columns, index.start.data[id], index.endOf(id), holdValue(index.lockClassOf(index.ref.data[id])), t0, nsPerPx);
        });
        lane.waits.forEachIn(times, t0, t1, (id) => {
          const s = index.start.data[id];
          const e = index.endOf(id);
          if (e <= s) return; // uncontended: acquired at once
          fillInterval(columns, s, e, waitValue(index.lockClassOf(index.ref.data[id])), t0, nsPerPx);
          const holder = index.aux.data[id];
          if (holder !== NONE && arrows.length < 400) {
            const hy = layout.threadY[row.slot].get(holder);
            if (hy !== undefined) arrows.push([xOf(s), row.y + LOCK_Y + LOCK_H / 2, xOf(s), hy + LOCK_Y + LOCK_H / 2]);
          }
        });
      }
      const ly = row.y + LOCK_Y;
      forEachRun(columns, (x0, x1, v) => {
        const x = GUTTER + x0;
        const w = x1 - x0;
        if (isWaitValue(v)) {
          summary.waits++;
          waitBatch.add(x, ly, w, LOCK_H);
          waitStripBatches[classOfValue(v)].add(x, ly + LOCK_H - 3, w, 3);
        } else {
          summary.holds++;
          holdBatches[classOfValue(v)].add(x, ly + 2, w, LOCK_H - 4);
        }
      });
      // ---- span rows: API calls, then phases ----
      columns.fill(0);
      const spanSlots = lane.spans[0];
      if (spanSlots) {
        if (!lane.spanLod.fillColumns(columns, t0, nsPerPx) || raw) {
          columns.fill(0);
          spanSlots.forEachIn(times, t0, t1, (id) => {
            const s = index.start.data[id];
            const e = index.endOf(id);
            fillInterval(columns, s, e, index.mode.data[id] === 2 ? SpanValue.queue : SpanValue.api, t0, nsPerPx);
            const x0 = Math.max(GUTTER, xOf(s));
            const x1 = Math.min(width, xOf(e));
            if (x1 - x0 > 60 && labels.length < 600) {
              const sub = index.aux.data[id];
              const trace = index.source;
              labels.push({ x: x0, y: row.y + SPAN_Y, w: x1 - x0, text: trace.labels[index.ref.data[id]] + (sub !== NONE ? ` ${trace.labels[sub]}` : '') });
            }
          });
        } else {
          for (const id of spanSlots.openIds()) fillInterval(columns, index.start.data[id], index.endTime, SpanValue.api, t0, nsPerPx);
        }
        forEachRun(columns, (x0, x1, v) => {
          summary.spans++;
          (v === SpanValue.queue ? queueBatch : spanBatch).add(GUTTER + x0, row.y + SPAN_Y, x1 - x0, SPAN_H);
        });
      }
      if (lane.spans.length > 1) {
        columns.fill(0);
        if (!lane.phaseLod.fillColumns(columns, t0, nsPerPx) || raw) {
          columns.fill(0);
          for (let d = 1; d < lane.spans.length; d++) {
            lane.spans[d].forEachIn(times, t0, t1, (id) => fillInterval(columns, index.start.data[id], index.endOf(id), SpanValue.api, t0, nsPerPx));
          }
        }
        forEachRun(columns, (x0, x1) => phaseBatch.add(GUTTER + x0, row.y + PHASE_Y, x1 - x0, PHASE_H));
      }
    } else {
      summary.lockLanes++;
      const ll = index.lockLanes[row.lock];
      if (!ll) continue;
      columns.fill(0);
      if (!ll.lod.fillColumns(columns, t0, nsPerPx)) {
        ll.holds.forEachIn(index.times(), t0, t1, (id) => fillInterval(columns, index.start.data[id], index.endOf(id), 1, t0, nsPerPx));
        // Queue depth steps overlapping the window.
        const times = ll.depthTime.data;
        const depth = ll.depth.data;
        const n = ll.depthTime.length;
        let lo = 0;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (times[mid] <= t0) lo = mid + 1;
          else hi = mid;
        }
        for (let i = Math.max(0, lo - 1); i < n && times[i] <= t1; i++) {
          const d = depth[i];
          if (d > 0) fillInterval(columns, times[i], i + 1 < n ? times[i + 1] : index.endTime, Math.min(255, 1 + d), t0, nsPerPx);
        }
      } else {
        for (const id of ll.holds.openIds()) fillInterval(columns, index.start.data[id], index.endTime, 1, t0, nsPerPx);
        if (ll.waiting > 0) fillInterval(columns, ll.lastChange, index.endTime, Math.min(255, 1 + ll.waiting), t0, nsPerPx);
      }
      const cls = index.lockClassOf(row.lock);
      let queued = false;
      forEachRun(columns, (x0, x1, v) => {
        lockHeldBatches[cls].add(GUTTER + x0, row.y + 3, x1 - x0, LOCK_LANE_H - 6);
        if (v > 1) {
          queued = true;
          const h = Math.min(LOCK_LANE_H - 4, 3 + 2 * (v - 1));
          depthBatch.add(GUTTER + x0, row.y + LOCK_LANE_H - 2 - h, x1 - x0, h);
        }
      });
      if (queued) summary.queuedLockLanes++;
    }
  }

  // ---- fills, one per colour ----
  holdBatches.forEach((b, c) => b.fill(ctx, CLASS_COLOUR_LIST[c]));
  lockHeldBatches.forEach((b, c) => b.fill(ctx, CLASS_COLOUR_LIST[c]));
  spanBatch.fill(ctx, SPAN_COLOUR);
  queueBatch.fill(ctx, QUEUE_COLOUR);
  phaseBatch.fill(ctx, PHASE_COLOUR);
  waitBatch.fill(ctx, WAIT_COLOUR);
  const pattern = hatchPattern(ctx);
  if (pattern) waitBatch.fill(ctx, pattern);
  waitStripBatches.forEach((b, c) => b.fill(ctx, CLASS_COLOUR_LIST[c]));
  depthBatch.fill(ctx, WAIT_COLOUR);

  // ---- span labels ----
  ctx.font = '10px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  for (const l of labels) {
    ctx.save();
    ctx.beginPath();
    ctx.rect(l.x, l.y - 2, l.w, 10);
    ctx.clip();
    ctx.fillStyle = '#FFFFFF';
    ctx.fillText(l.text, l.x + 2, l.y - 2);
    ctx.restore();
  }

  // ---- search matches ----
  for (const slot of ['main', 'compare'] as const) {
    const ids = input.matches?.[slot];
    const index = input.indexes[slot];
    if (!ids || !index || ids.length === 0) continue;
    ctx.strokeStyle = '#000000';
    ctx.fillStyle = MATCH_COLOUR;
    ctx.lineWidth = 1;
    let lastX = -1;
    let lastThread = -1;
    for (let k = lowerBoundByEnd(ids, index, t0); k < ids.length; k++) {
      const id = ids[k];
      const s = index.start.data[id];
      if (s > t1) break;
      const e = index.endOf(id);
      if (e < t0) continue;
      const y = layout.threadY[slot].get(index.thread.data[id]);
      if (y === undefined) continue;
      const x0 = Math.max(GUTTER, xOf(s));
      const x1 = Math.min(width, Math.max(x0 + 2, xOf(e)));
      if (Math.floor(x0) === lastX && index.thread.data[id] === lastThread) continue;
      lastX = Math.floor(x0);
      lastThread = index.thread.data[id];
      summary.matches++;
      ctx.fillRect(x0, y, x1 - x0, 2);
      ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(1, x1 - x0 - 1), 24);
      if (summary.matches > 5000) break;
    }
  }

  // ---- blocked-by arrows (zoomed in) ----
  ctx.strokeStyle = ARROW_COLOUR;
  ctx.fillStyle = ARROW_COLOUR;
  ctx.lineWidth = 1;
  for (const [x, y0, , y1] of arrows) {
    if (x < GUTTER || x > width) continue;
    drawArrow(ctx, x, y0, x, y1, 0.55);
    summary.arrows++;
  }

  // ---- selection and its whole blocking chain ----
  const sel = input.selected;
  const selIndex = sel ? input.indexes[sel.slot] : null;
  if (sel && selIndex && sel.interval < selIndex.size) {
    const id = sel.interval;
    const y = layout.threadY[sel.slot].get(selIndex.thread.data[id]);
    if (y !== undefined) {
      const x0 = xOf(selIndex.start.data[id]);
      const x1 = Math.max(x0 + 2, xOf(selIndex.endOf(id)));
      ctx.strokeStyle = SELECT_COLOUR;
      ctx.lineWidth = 2;
      ctx.strokeRect(x0 - 1, y + 1, x1 - x0 + 2, 24);
      if (selIndex.kind.data[id] === IntervalKind.Wait) {
        ctx.strokeStyle = WAIT_COLOUR;
        ctx.fillStyle = WAIT_COLOUR;
        ctx.lineWidth = 2;
        let fromY = y + LOCK_Y + LOCK_H / 2;
        let x = Math.max(GUTTER, Math.min(width, x0));
        for (const step of selIndex.chain(id)) {
          if (step.holder === NONE) break;
          const hy = layout.threadY[sel.slot].get(step.holder);
          if (hy === undefined) break;
          const toY = hy + LOCK_Y + LOCK_H / 2;
          drawArrow(ctx, x, fromY, x + 6, toY, 1);
          summary.arrows++;
          fromY = toY;
          x += 6;
        }
      }
    }
  }

  // ---- live strategy changes (marks) ----
  for (const slot of ['main', 'compare'] as const) {
    const index = input.indexes[slot];
    if (!index) continue;
    ctx.strokeStyle = MARK_COLOUR;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 3]);
    for (const m of index.marks) {
      if (m.t < t0 || m.t > t1) continue;
      const x = Math.round(xOf(m.t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, bottom);
      ctx.stroke();
      summary.marks++;
    }
    ctx.setLineDash([]);
  }

  // ---- gutter: lane names and group headers, drawn last so bars never cover them ----
  ctx.fillStyle = '#F6F8FA';
  ctx.fillRect(0, top, GUTTER, bottom - top);
  ctx.strokeStyle = GRID_COLOUR;
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (const row of layout.rows) {
    if (row.y + row.h < top || row.y > bottom) continue;
    if (row.type === 'header') {
      ctx.fillStyle = '#E9EDF1';
      ctx.fillRect(0, row.y, width, row.h);
      ctx.fillStyle = TEXT_COLOUR;
      ctx.font = 'bold 11px system-ui, sans-serif';
      ctx.fillText(row.label, 6, row.y + row.h / 2);
      ctx.font = '11px system-ui, sans-serif';
      continue;
    }
    ctx.fillStyle = TEXT_COLOUR;
    ctx.save();
    ctx.beginPath();
    ctx.rect(0, row.y, GUTTER - 4, row.h);
    ctx.clip();
    ctx.fillText(row.label, row.type === 'lock' ? 14 : 6, row.y + row.h / 2);
    if (row.type === 'lock') {
      const index = input.indexes[row.slot];
      ctx.fillStyle = CLASS_COLOUR_LIST[index ? index.lockClassOf(row.lock) : NCLASS - 1];
      ctx.fillRect(4, row.y + 5, 7, row.h - 10);
    }
    ctx.restore();
    ctx.beginPath();
    ctx.moveTo(0, row.y + row.h - 0.5);
    ctx.lineTo(width, row.y + row.h - 0.5);
    ctx.stroke();
  }
  return summary;
}

/** First position in `ids` (sorted by start) whose interval may still overlap t0. */
function lowerBoundByEnd(ids: Uint32Array, index: TimelineIndex, t0: number): number {
  // ids are in start order; intervals can be long, so step back from the first start >= t0
  // only as far as the longest API span could reach (bounded scan of a few entries).
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.start.data[ids[mid]] < t0) lo = mid + 1;
    else hi = mid;
  }
  let k = lo;
  for (let steps = 0; k > 0 && steps < 256; steps++) {
    if (index.endOf(ids[k - 1]) < t0 && steps > 32) break;
    k--;
  }
  return k;
}

function drawArrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number, alpha: number): void {
  ctx.globalAlpha = alpha;
  ctx.beginPath();
  ctx.moveTo(x0, y0);
  ctx.lineTo(x1, y1);
  ctx.stroke();
  const dir = y1 > y0 ? 1 : -1;
  ctx.beginPath();
  ctx.moveTo(x1, y1);
  ctx.lineTo(x1 - 3, y1 - 5 * dir);
  ctx.lineTo(x1 + 3, y1 - 5 * dir);
  ctx.closePath();
  ctx.fill();
  ctx.globalAlpha = 1;
}
