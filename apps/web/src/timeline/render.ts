// Draws the timeline on a 2D canvas. Per lane and per pixel column it draws the most important
// state under that pixel (waiting beats holding beats idle): from the lane's level-of-detail
// pyramid when zoomed out, from the raw intervals (binary-searched to the window) when zoomed in.
// Lanes are written straight into one ImageData (one putImageData per frame): without a GPU,
// Chromium rasterises thousands of small rectangles far slower than a typed-array fill.
// Text, arrows, marks and the selection are drawn on top with ordinary canvas calls.
// It returns what it drew, which feeds the accessible summary and the browser tests.

import { LOCK_CLASSES, NONE, SPAN_KINDS } from '@lockscope/trace';
import { fillInterval } from '../derived/mipmap.js';
import { IntervalKind, SpanValue, classOfValue, holdValue, isWaitValue, waitValue, type TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { GUTTER, LOCK_H, LOCK_LANE_H, LOCK_Y, PHASE_H, PHASE_Y, SPAN_H, SPAN_Y, THREAD_LANE_H, type Layout } from './layout.js';
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
  /** Device pixels per CSS pixel (default 1). */
  dpr?: number;
}

const QUEUE_KIND = SPAN_KINDS.indexOf('queue');
/** Text is the dearest thing to draw without a GPU: a frame draws at most this many labels. */
const MAX_LABELS = 80;
const MAX_LOCK_LABELS = 40;

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

/** Colour as the little-endian RGBA word an ImageData's Uint32Array view holds. */
function rgba(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  return ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

const NCLASS = LOCK_CLASSES.length;
const WHITE = rgba('#FFFFFF');
const HEADER_BG = rgba('#E9EDF1');
const GRID = rgba(GRID_COLOUR);
const WAIT = rgba(WAIT_COLOUR);
const HATCH = rgba('#5C2800');
const CLASS_RGBA = CLASS_COLOUR_LIST.map(rgba);
const SPAN_RGBA = rgba(SPAN_COLOUR);
const QUEUE_RGBA = rgba(QUEUE_COLOUR);
const PHASE_RGBA = rgba(PHASE_COLOUR);

let columns = new Uint8Array(0);
const labels: Label[] = [];
const lockLabels: Label[] = [];
const arrows: Array<[number, number, number, number]> = [];
let image: ImageData | null = null;
let pixels = new Uint32Array(0);

interface Label {
  x: number;
  y: number;
  w: number;
  text: string;
}

/** Pixel band being written: device-pixel rows [top, top + height) of the canvas. */
interface Band {
  px: Uint32Array;
  stride: number;
  top: number;
  height: number;
  x0: number;
}

let line = new Uint32Array(0);
let line2 = new Uint32Array(0);
let waitColumns = new Int32Array(0);

/** Copies one prepared pixel line into rows [y0, y1) (device px, canvas coordinates) of the band. */
function copyRows(band: Band, y0: number, y1: number, src: Uint32Array): void {
  const a = Math.max(y0, band.top);
  const b = Math.min(y1, band.top + band.height);
  for (let y = a; y < b; y++) band.px.set(src, (y - band.top) * band.stride + band.x0);
}

/** A line of `colour` where a column is drawn, white elsewhere. */
function lineOf(cols: Uint8Array, out: Uint32Array, colour: (v: number) => number): Uint32Array {
  for (let x = 0; x < cols.length; x++) {
    const v = cols[x];
    out[x] = v === 0 ? WHITE : colour(v);
  }
  return out;
}

/**
 * The lock row of a thread lane: holds inset by `inset` rows top and bottom, waits full height,
 * vermillion with dark hatching and a strip of their lock class's colour at the bottom.
 */
function paintLockRow(band: Band, y0: number, y1: number, inset: number, strip: number, cols: Uint8Array): void {
  const n = cols.length;
  const holdLine = line;
  const waitLine = line2;
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
    const inStrip = y >= strip;
    band.px.set(y < y0 + inset || y >= y1 - inset ? waitLine : holdLine, off);
    // Hatching (and the class strip) only where a wait is drawn.
    for (let k = 0; k < waits; k++) {
      const x = waitColumns[k];
      if (inStrip) band.px[off + x] = CLASS_RGBA[classOfValue(cols[x])];
      else if ((x + y) % 6 < 2) band.px[off + x] = HATCH;
    }
  }
}

function fillBand(band: Band, y0: number, y1: number, colour: number): void {
  const a = Math.max(y0, band.top);
  const b = Math.min(y1, band.top + band.height);
  if (b > a) band.px.fill(colour, (a - band.top) * band.stride, (b - band.top) * band.stride);
}

/** Counts runs of equal non-zero values that pass `test`. */
function countRuns(cols: Uint8Array, test: (v: number) => boolean): number {
  let n = 0;
  let prev = 0;
  for (let x = 0; x < cols.length; x++) {
    const v = cols[x];
    if (v !== prev && v !== 0 && test(v)) n++;
    prev = v;
  }
  return n;
}

export function renderTimeline(input: RenderInput): DrawnSummary {
  const { ctx, width, height, layout, t0, t1 } = input;
  const dpr = input.dpr ?? 1;
  const plotW = Math.max(1, Math.floor(width - GUTTER));
  const devPlotW = Math.max(1, Math.round(plotW * dpr));
  const devGutter = Math.round(GUTTER * dpr);
  const devW = devGutter + devPlotW;
  const nsPerPx = (t1 - t0) / plotW;
  const nsPerDev = (t1 - t0) / devPlotW;
  const top = Math.max(0, input.visibleTop ?? 0);
  const bottom = Math.min(height, input.visibleBottom ?? height);
  const summary: DrawnSummary = { waits: 0, holds: 0, spans: 0, threadLanes: 0, lockLanes: 0, lodLanes: 0, rawLanes: 0, arrows: 0, marks: 0, queuedLockLanes: 0, matches: 0 };
  if (columns.length !== devPlotW) {
    columns = new Uint8Array(devPlotW);
    line = new Uint32Array(devPlotW);
    line2 = new Uint32Array(devPlotW);
    waitColumns = new Int32Array(devPlotW);
  }
  // Reused between frames: fewer allocations, fewer collector pauses while panning.
  labels.length = 0;
  lockLabels.length = 0;
  arrows.length = 0;

  // ---- the pixel band for the visible rows ----
  const bandTop = Math.floor(top * dpr);
  const bandH = Math.max(1, Math.ceil(bottom * dpr) - bandTop);
  if (!image || image.width !== devW || image.height !== bandH) {
    image = ctx.createImageData(devW, bandH);
    pixels = new Uint32Array(image.data.buffer);
  }
  pixels.fill(WHITE);
  const band: Band = { px: pixels, stride: devW, top: bandTop, height: bandH, x0: devGutter };
  const dy = (y: number): number => Math.round(y * dpr);

  const xOf = (t: number): number => GUTTER + (t - t0) / nsPerPx;

  for (const row of layout.rows) {
    if (row.y + row.h < top || row.y > bottom) continue;
    const index = input.indexes[row.slot];
    if (row.type === 'header') {
      fillBand(band, dy(row.y), dy(row.y + row.h), HEADER_BG);
      continue;
    }
    fillBand(band, dy(row.y + row.h) - 1, dy(row.y + row.h), GRID);
    if (!index) continue;
    if (row.type === 'thread') {
      summary.threadLanes++;
      const lane = index.threadLanes[row.thread];
      if (!lane) continue;
      const times = index.times();
      // ---- lock row: waits beat holds ----
      columns.fill(0);
      let raw = false;
      if (lane.lod.fillColumns(columns, t0, nsPerDev)) {
        summary.lodLanes++;
        // Open intervals are not in the pyramid yet: draw them to the newest event.
        for (const id of lane.holds.openIds()) fillInterval(columns, index.start.data[id], index.endTime, holdValue(index.lockClassOf(index.ref.data[id])), t0, nsPerDev);
        for (const id of lane.waits.openIds()) fillInterval(columns, index.start.data[id], index.endTime, waitValue(index.lockClassOf(index.ref.data[id])), t0, nsPerDev);
      } else {
        raw = true;
        summary.rawLanes++;
        lane.holds.forEachIn(times, t0, t1, (id) => {
          fillInterval(columns, index.start.data[id], index.endOf(id), holdValue(index.lockClassOf(index.ref.data[id])), t0, nsPerDev);
        });
        lane.waits.forEachIn(times, t0, t1, (id) => {
          const s = index.start.data[id];
          const e = index.endOf(id);
          if (e <= s) return; // uncontended: acquired at once
          fillInterval(columns, s, e, waitValue(index.lockClassOf(index.ref.data[id])), t0, nsPerDev);
          const holder = index.aux.data[id];
          if (holder !== NONE && arrows.length < 300) {
            const hy = layout.threadY[row.slot].get(holder);
            if (hy !== undefined) arrows.push([xOf(s), row.y + LOCK_Y + LOCK_H / 2, xOf(s), hy + LOCK_Y + LOCK_H / 2]);
          }
        });
      }
      summary.waits += countRuns(columns, isWaitValue);
      summary.holds += countRuns(columns, (v) => !isWaitValue(v));
      const ly0 = dy(row.y + LOCK_Y);
      const ly1 = dy(row.y + LOCK_Y + LOCK_H);
      const strip = ly1 - Math.max(2, Math.round(3 * dpr));
      const inset = Math.max(1, Math.round(2 * dpr));
      paintLockRow(band, ly0, ly1, inset, strip, columns);
      // ---- span rows: API calls, then phases ----
      const spanSlots = lane.spans[0];
      if (spanSlots) {
        columns.fill(0);
        if (raw || !lane.spanLod.fillColumns(columns, t0, nsPerDev)) {
          columns.fill(0);
          spanSlots.forEachIn(times, t0, t1, (id) => {
            const s = index.start.data[id];
            const e = index.endOf(id);
            fillInterval(columns, s, e, index.mode.data[id] === QUEUE_KIND ? SpanValue.queue : SpanValue.api, t0, nsPerDev);
            const x0 = Math.max(GUTTER, xOf(s));
            const x1 = Math.min(width, xOf(e));
            if (x1 - x0 > 60 && labels.length < MAX_LABELS) {
              const sub = index.aux.data[id];
              const trace = index.source;
              labels.push({ x: x0, y: row.y + SPAN_Y, w: x1 - x0, text: trace.labels[index.ref.data[id]] + (sub !== NONE ? ` ${trace.labels[sub]}` : '') });
            }
          });
        } else {
          for (const id of spanSlots.openIds()) fillInterval(columns, index.start.data[id], index.endTime, SpanValue.api, t0, nsPerDev);
          // Labels of the API calls wide enough to read, even when the bars come from the pyramid.
          let visited = 0;
          spanSlots.forEachIn(times, t0, t1, (id) => {
            const x0 = Math.max(GUTTER, xOf(index.start.data[id]));
            const x1 = Math.min(width, xOf(index.endOf(id)));
            if (x1 - x0 > 60) {
              const sub = index.aux.data[id];
              const trace = index.source;
              labels.push({ x: x0, y: row.y + SPAN_Y, w: x1 - x0, text: trace.labels[index.ref.data[id]] + (sub !== NONE ? ` ${trace.labels[sub]}` : '') });
            }
            return ++visited > 150 || labels.length >= MAX_LABELS;
          });
        }
        summary.spans += countRuns(columns, () => true);
        copyRows(band, dy(row.y + SPAN_Y), dy(row.y + SPAN_Y + SPAN_H), lineOf(columns, line, (v) => (v === SpanValue.queue ? QUEUE_RGBA : SPAN_RGBA)));
      }
      if (lane.spans.length > 1) {
        columns.fill(0);
        if (raw || !lane.phaseLod.fillColumns(columns, t0, nsPerDev)) {
          columns.fill(0);
          for (let d = 1; d < lane.spans.length; d++) {
            lane.spans[d].forEachIn(times, t0, t1, (id) => fillInterval(columns, index.start.data[id], index.endOf(id), SpanValue.api, t0, nsPerDev));
          }
        } else {
          for (let d = 1; d < lane.spans.length; d++) for (const id of lane.spans[d].openIds()) fillInterval(columns, index.start.data[id], index.endTime, SpanValue.api, t0, nsPerDev);
        }
        copyRows(band, dy(row.y + PHASE_Y), dy(row.y + PHASE_Y + PHASE_H), lineOf(columns, line, () => PHASE_RGBA));
      }
    } else {
      summary.lockLanes++;
      const ll = index.lockLanes[row.lock];
      if (!ll) continue;
      columns.fill(0);
      if (!ll.lod.fillColumns(columns, t0, nsPerDev)) {
        ll.holds.forEachIn(index.times(), t0, t1, (id) => fillInterval(columns, index.start.data[id], index.endOf(id), 1, t0, nsPerDev));
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
          if (d > 0) fillInterval(columns, times[i], i + 1 < n ? times[i + 1] : index.endTime, Math.min(255, 1 + d), t0, nsPerDev);
        }
      } else {
        for (const id of ll.holds.openIds()) fillInterval(columns, index.start.data[id], index.endTime, 1, t0, nsPerDev);
        if (ll.waiting > 0) fillInterval(columns, ll.lastChange, index.endTime, Math.min(255, 1 + ll.waiting), t0, nsPerDev);
      }
      const held = CLASS_RGBA[index.lockClassOf(row.lock)];
      // Who holds it: the holder's name on holds wide enough to read.
      let visited = 0;
      ll.holds.forEachIn(index.times(), t0, t1, (id) => {
        const x0 = Math.max(GUTTER, xOf(index.start.data[id]));
        const x1 = Math.min(width, xOf(index.endOf(id)));
        if (x1 - x0 > 50 && lockLabels.length < MAX_LOCK_LABELS) lockLabels.push({ x: x0, y: row.y + 3, w: x1 - x0, text: index.source.threads[index.thread.data[id]]?.name ?? '' });
        return ++visited > 150 || lockLabels.length >= MAX_LOCK_LABELS;
      });
      if (countRuns(columns, (v) => v > 1) > 0) summary.queuedLockLanes++;
      const y0 = dy(row.y + 3);
      const y1 = dy(row.y + LOCK_LANE_H - 3);
      const base = dy(row.y + LOCK_LANE_H - 2);
      copyRows(band, y0, y1, lineOf(columns, line, () => held));
      // Queue depth: a vermillion bar growing from the bottom, 1 px per waiter.
      const a = Math.max(y0, band.top);
      const b = Math.min(base, band.top + band.height);
      for (let x = 0; x < columns.length; x++) {
        const v = columns[x];
        if (v <= 1) continue;
        // At most half the lane, so the holder stays visible above the queue.
        const from = Math.max(a, base - Math.round(Math.min((LOCK_LANE_H - 4) / 2, 1 + (v - 1)) * dpr));
        for (let y = from; y < b; y++) band.px[(y - band.top) * band.stride + band.x0 + x] = WAIT;
      }
    }
  }

  ctx.putImageData(image, 0, bandTop);

  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);

  // ---- span labels ----
  ctx.font = '9px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#FFFFFF';
  for (const l of labels) {
    // Truncated to the bar (about 5 px per character at 9 px) rather than clipped: a clip
    // per label costs more than the text.
    const fits = Math.floor((l.w - 4) / 5);
    if (fits < 4) continue;
    ctx.fillText(l.text.length > fits ? `${l.text.slice(0, fits - 1)}…` : l.text, l.x + 2, l.y + 1);
  }

  ctx.fillStyle = '#000000';
  for (const l of lockLabels) {
    const fits = Math.floor((l.w - 4) / 5);
    if (fits < 4) continue;
    ctx.fillText(l.text.length > fits ? `${l.text.slice(0, fits - 1)}…` : l.text, l.x + 2, l.y + 1);
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
      ctx.strokeRect(x0 + 0.5, y + 0.5, Math.max(1, x1 - x0 - 1), THREAD_LANE_H - 2);
      if (summary.matches > 5000) break;
    }
  }

  // ---- blocked-by arrows (zoomed in): one stroke and one fill for all of them ----
  if (arrows.length > 0) {
    ctx.strokeStyle = ARROW_COLOUR;
    ctx.fillStyle = ARROW_COLOUR;
    ctx.lineWidth = 1;
    ctx.globalAlpha = 0.55;
    ctx.beginPath();
    for (const [x, y0, , y1] of arrows) {
      if (x < GUTTER || x > width) continue;
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
    }
    ctx.stroke();
    ctx.beginPath();
    for (const [x, y0, , y1] of arrows) {
      if (x < GUTTER || x > width) continue;
      const dir = y1 > y0 ? 1 : -1;
      ctx.moveTo(x, y1);
      ctx.lineTo(x - 3, y1 - 5 * dir);
      ctx.lineTo(x + 3, y1 - 5 * dir);
      ctx.closePath();
      summary.arrows++;
    }
    ctx.fill();
    ctx.globalAlpha = 1;
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
      ctx.strokeRect(x0 - 1, y + 1, x1 - x0 + 2, THREAD_LANE_H - 3);
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
    // Each trace's marks run down its own section only.
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const r of layout.rows) {
      if (r.slot !== slot) continue;
      if (r.y < y0) y0 = r.y;
      if (r.y + r.h > y1) y1 = r.y + r.h;
    }
    y0 = Math.max(top, y0);
    y1 = Math.min(bottom, y1);
    if (y1 <= y0) continue;
    ctx.strokeStyle = MARK_COLOUR;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 3]);
    for (const m of index.marks) {
      if (m.t < t0 || m.t > t1) continue;
      const x = Math.round(xOf(m.t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
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
    // Names are truncated to the gutter (about 6 px per character at 11 px), not clipped.
    const x = row.type === 'lock' ? 14 : 6;
    const fits = Math.floor((GUTTER - 6 - x) / 6);
    ctx.fillText(row.label.length > fits ? `${row.label.slice(0, fits - 1)}…` : row.label, x, row.y + row.h / 2);
    if (row.type === 'lock') {
      const index = input.indexes[row.slot];
      ctx.fillStyle = CLASS_COLOUR_LIST[index ? index.lockClassOf(row.lock) : NCLASS - 1];
      ctx.fillRect(4, row.y + 5, 7, row.h - 10);
    }
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
