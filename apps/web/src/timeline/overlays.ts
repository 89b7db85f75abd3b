// What is drawn on top of the lanes with ordinary canvas calls: span and holder labels, search
// matches, blocked-by arrows, the selection and its blocking chain, strategy marks, and the
// gutter with lane names and group headers.

import { LOCK_CLASSES, NONE } from '@lockscope/trace';
import { IntervalKind, type TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { lockMid } from './lanes/thread.js';
import type { Frame, Label } from './lanes/frame.js';
import { GUTTER } from './layout.js';
import { ARROW_COLOUR, CLASS_COLOUR_LIST, COMPARE_GUTTER, GRID_COLOUR, MARK_COLOUR, MATCH_COLOUR, SELECT_COLOUR, TEXT_COLOUR, WAIT_COLOUR } from './palette.js';

export interface Selection {
  slot: TraceSlot;
  interval: number;
}

export interface OverlayInput {
  indexes: Partial<Record<TraceSlot, TimelineIndex | null>>;
  selected?: Selection | null;
  /** Interval ids (sorted ascending = by start) matching the search, per slot. */
  matches?: Partial<Record<TraceSlot, Uint32Array>>;
  /** The current search match (outlined more strongly), if any. */
  currentMatch?: Selection | null;
  /** The same API call in both runs (compare): outlined and joined. */
  aligned?: { main: number; compare: number } | null;
  /** CSS px rows visible. */
  top: number;
  bottom: number;
}

const SLOTS: TraceSlot[] = ['main', 'compare'];

function drawLabels(ctx: CanvasRenderingContext2D, labels: Label[], colour: string): void {
  ctx.fillStyle = colour;
  for (const l of labels) {
    // Truncated to the bar (about 5 px per character at 9 px) rather than clipped: a clip
    // per label costs more than the text.
    const fits = Math.floor((l.w - 4) / 5);
    if (fits < 4) continue;
    ctx.fillText(l.text.length > fits ? `${l.text.slice(0, fits - 1)}…` : l.text, l.x + 2, l.y + 1);
  }
}

function drawMatches(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  const { t0, t1, width, layout, summary } = f;
  for (const slot of SLOTS) {
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
      const s = index.startOf(id);
      if (s > t1) break;
      const e = index.endOf(id);
      if (e < t0) continue;
      const row = layout.threadRows[slot].get(index.threadOf(id));
      if (!row) continue;
      const x0 = Math.max(GUTTER, f.xOf(s));
      const x1 = Math.min(width, Math.max(x0 + 2, f.xOf(e)));
      if (Math.floor(x0) === lastX && index.threadOf(id) === lastThread) continue;
      lastX = Math.floor(x0);
      lastThread = index.threadOf(id);
      summary.matches++;
      ctx.fillRect(x0, row.y, x1 - x0, 2);
      ctx.strokeRect(x0 + 0.5, row.y + 0.5, Math.max(1, x1 - x0 - 1), row.h - 2);
      if (summary.matches > 5000) break;
    }
  }
  const cur = input.currentMatch;
  const ci = cur ? input.indexes[cur.slot] : null;
  if (cur && ci && cur.interval < ci.size) {
    const row = layout.threadRows[cur.slot].get(ci.threadOf(cur.interval));
    if (row) {
      const x0 = f.xOf(ci.startOf(cur.interval));
      const x1 = Math.max(x0 + 3, f.xOf(ci.endOf(cur.interval)));
      ctx.strokeStyle = MATCH_COLOUR;
      ctx.lineWidth = 3;
      ctx.strokeRect(x0 - 2, row.y, x1 - x0 + 4, row.h - 1);
    }
  }
}

function drawArrows(ctx: CanvasRenderingContext2D, f: Frame): void {
  if (f.arrows.length === 0) return;
  const { width, summary } = f;
  ctx.strokeStyle = ARROW_COLOUR;
  ctx.fillStyle = ARROW_COLOUR;
  ctx.lineWidth = 1;
  ctx.globalAlpha = 0.55;
  ctx.beginPath();
  for (const [x, y0, y1] of f.arrows) {
    if (x < GUTTER || x > width) continue;
    ctx.moveTo(x, y0);
    ctx.lineTo(x, y1);
  }
  ctx.stroke();
  ctx.beginPath();
  for (const [x, y0, y1] of f.arrows) {
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

function drawSelection(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  const sel = input.selected;
  const ix = sel ? input.indexes[sel.slot] : null;
  if (!sel || !ix || sel.interval >= ix.size) return;
  const id = sel.interval;
  const row = f.layout.threadRows[sel.slot].get(ix.threadOf(id));
  if (!row) return;
  const x0 = f.xOf(ix.startOf(id));
  const x1 = Math.max(x0 + 2, f.xOf(ix.endOf(id)));
  ctx.strokeStyle = SELECT_COLOUR;
  ctx.lineWidth = 2;
  ctx.strokeRect(x0 - 1, row.y + 1, x1 - x0 + 2, row.h - 3);
  if (ix.kindOf(id) !== IntervalKind.Wait) return;
  ctx.strokeStyle = WAIT_COLOUR;
  ctx.fillStyle = WAIT_COLOUR;
  ctx.lineWidth = 2;
  let fromY = lockMid(row, ix.depth.data[id]);
  let x = Math.max(GUTTER, Math.min(f.width, x0));
  for (const step of ix.chain(id)) {
    if (step.holder === NONE) break;
    const hr = f.layout.threadRows[sel.slot].get(step.holder);
    if (!hr) break;
    const toY = lockMid(hr);
    drawArrow(ctx, x, fromY, x + 6, toY);
    f.summary.arrows++;
    fromY = toY;
    x += 6;
  }
}

/** The selected call and the same call in the compared run, outlined and joined by a line. */
function drawAlignment(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  const a = input.aligned;
  const mi = input.indexes.main;
  const ci = input.indexes.compare;
  if (!a || !mi || !ci) return;
  const mr = f.layout.threadRows.main.get(mi.threadOf(a.main));
  const cr = f.layout.threadRows.compare.get(ci.threadOf(a.compare));
  if (!mr || !cr) return;
  const box = (ix: TimelineIndex, id: number, y: number): [number, number] => {
    const x0 = f.xOf(ix.startOf(id));
    const x1 = Math.max(x0 + 2, f.xOf(ix.endOf(id)));
    ctx.strokeRect(x0, y, x1 - x0, 12);
    return [x0, x1];
  };
  ctx.strokeStyle = MARK_COLOUR;
  ctx.lineWidth = 2;
  const [m0, m1] = box(mi, a.main, mr.y);
  const [c0, c1] = box(ci, a.compare, cr.y);
  ctx.setLineDash([4, 3]);
  ctx.beginPath();
  ctx.moveTo(m0, mr.y + 12);
  ctx.lineTo(c0, cr.y);
  ctx.moveTo(m1, mr.y + 12);
  ctx.lineTo(c1, cr.y);
  ctx.stroke();
  ctx.setLineDash([]);
  f.summary.aligned++;
}

function drawMarks(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  for (const slot of SLOTS) {
    const index = input.indexes[slot];
    if (!index) continue;
    // Each trace's marks run down its own section only.
    let y0 = Infinity;
    let y1 = -Infinity;
    for (const r of f.layout.rows) {
      if (r.slot !== slot) continue;
      if (r.y < y0) y0 = r.y;
      if (r.y + r.h > y1) y1 = r.y + r.h;
    }
    y0 = Math.max(input.top, y0);
    y1 = Math.min(input.bottom, y1);
    if (y1 <= y0) continue;
    ctx.strokeStyle = MARK_COLOUR;
    ctx.lineWidth = 1.5;
    ctx.setLineDash([5, 3]);
    for (const m of index.marks) {
      if (m.t < f.t0 || m.t > f.t1) continue;
      const x = Math.round(f.xOf(m.t)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, y0);
      ctx.lineTo(x, y1);
      ctx.stroke();
      f.summary.marks++;
    }
    ctx.setLineDash([]);
  }
}

/** Lane names and group headers, drawn last so bars never cover them. */
function drawGutter(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  const { top, bottom } = input;
  const width = f.width;
  ctx.fillStyle = '#F6F8FA';
  ctx.fillRect(0, top, GUTTER, bottom - top);
  ctx.strokeStyle = GRID_COLOUR;
  ctx.lineWidth = 1;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textBaseline = 'middle';
  for (const row of f.layout.rows) {
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
    if (row.slot === 'compare') {
      // The compared run's lanes: a tinted gutter and an italic name.
      ctx.fillStyle = COMPARE_GUTTER;
      ctx.fillRect(0, row.y, GUTTER, row.h);
    }
    ctx.fillStyle = TEXT_COLOUR;
    ctx.font = row.slot === 'compare' ? 'italic 11px system-ui, sans-serif' : '11px system-ui, sans-serif';
    // Names are truncated to the gutter (about 6 px per character at 11 px), not clipped.
    const x = row.type === 'lock' ? 14 : 6;
    const fits = Math.floor((GUTTER - 6 - x) / 6);
    ctx.fillText(row.label.length > fits ? `${row.label.slice(0, fits - 1)}…` : row.label, x, row.y + Math.min(row.h / 2, 10));
    if (row.type === 'lock') {
      const index = input.indexes[row.slot];
      ctx.fillStyle = CLASS_COLOUR_LIST[index ? index.lockClassOf(row.lock) : LOCK_CLASSES.length - 1];
      ctx.fillRect(4, row.y + 5, 7, row.h - 10);
    }
    ctx.beginPath();
    ctx.moveTo(0, row.y + row.h - 0.5);
    ctx.lineTo(width, row.y + row.h - 0.5);
    ctx.stroke();
  }
}

export function drawOverlays(ctx: CanvasRenderingContext2D, f: Frame, input: OverlayInput): void {
  ctx.font = '9px system-ui, sans-serif';
  ctx.textBaseline = 'top';
  drawLabels(ctx, f.labels, '#FFFFFF');
  drawLabels(ctx, f.lockLabels, '#000000');
  drawMatches(ctx, f, input);
  drawArrows(ctx, f);
  drawSelection(ctx, f, input);
  drawAlignment(ctx, f, input);
  drawMarks(ctx, f, input);
  drawGutter(ctx, f, input);
}

/** First position in `ids` (sorted by start) whose interval may still overlap t0. */
function lowerBoundByEnd(ids: Uint32Array, index: TimelineIndex, t0: number): number {
  // ids are in start order; intervals can be long, so step back from the first start >= t0
  // only as far as the longest API span could reach (bounded scan of a few entries).
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index.startOf(ids[mid]) < t0) lo = mid + 1;
    else hi = mid;
  }
  let k = lo;
  for (let steps = 0; k > 0 && steps < 256; steps++) {
    if (index.endOf(ids[k - 1]) < t0 && steps > 32) break;
    k--;
  }
  return k;
}

function drawArrow(ctx: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number): void {
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
}
