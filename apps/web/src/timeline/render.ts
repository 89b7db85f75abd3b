// Draws the timeline on a 2D canvas: each visible lane paints itself into one ImageData (its
// painter in lanes/), then overlays.ts draws text, arrows, marks and the selection on top.
// It returns what it drew, which feeds the accessible summary and the browser tests.

import type { TimelineIndex } from '../derived/timelineIndex.js';
import type { TraceSlot } from '../store/traces.js';
import { GRID, WHITE, emptySummary, fillBand, type DrawnSummary, type Frame } from './lanes/frame.js';
import { painterOf } from './lanes/index.js';
import { GUTTER, type Layout } from './layout.js';
import { drawOverlays, type Selection } from './overlays.js';

export type { DrawnSummary } from './lanes/frame.js';
export type { Selection } from './overlays.js';

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
  currentMatch?: Selection | null;
  aligned?: { main: number; compare: number } | null;
  /** Vertical range actually visible (CSS px), to skip drawing rows outside it. */
  visibleTop?: number;
  visibleBottom?: number;
  /** Device pixels per CSS pixel (default 1). */
  dpr?: number;
}

// Reused between frames: fewer allocations, fewer collector pauses while panning.
let columns = new Uint8Array(0);
let line = new Uint32Array(0);
let line2 = new Uint32Array(0);
let waitColumns = new Int32Array(0);
/** Per canvas (the lanes and the fixed strip above them): its pixel band and a view of it. */
const images = new WeakMap<CanvasRenderingContext2D, { image: ImageData; pixels: Uint32Array }>();

export function renderTimeline(input: RenderInput): DrawnSummary {
  const { ctx, width, height, layout, t0, t1 } = input;
  const dpr = input.dpr ?? 1;
  const plotW = Math.max(1, Math.floor(width - GUTTER));
  const devPlotW = Math.max(1, Math.round(plotW * dpr));
  const devGutter = Math.round(GUTTER * dpr);
  const devW = devGutter + devPlotW;
  const nsPerPx = (t1 - t0) / plotW;
  const top = Math.max(0, input.visibleTop ?? 0);
  const bottom = Math.min(height, input.visibleBottom ?? height);
  if (columns.length !== devPlotW) {
    columns = new Uint8Array(devPlotW);
    line = new Uint32Array(devPlotW);
    line2 = new Uint32Array(devPlotW);
    waitColumns = new Int32Array(devPlotW);
  }
  // The pixel band of the visible rows.
  const bandTop = Math.floor(top * dpr);
  const bandH = Math.max(1, Math.ceil(bottom * dpr) - bandTop);
  let cached = images.get(ctx);
  if (!cached || cached.image.width !== devW || cached.image.height !== bandH) {
    const created = ctx.createImageData(devW, bandH);
    cached = { image: created, pixels: new Uint32Array(created.data.buffer) };
    images.set(ctx, cached);
  }
  const { image, pixels } = cached;
  pixels.fill(WHITE);
  const frame: Frame = {
    band: { px: pixels, stride: devW, top: bandTop, height: bandH, x0: devGutter },
    layout,
    t0,
    t1,
    width,
    dpr,
    nsPerPx,
    nsPerDev: (t1 - t0) / devPlotW,
    columns,
    line,
    line2,
    waitColumns,
    summary: emptySummary(),
    labels: [],
    lockLabels: [],
    arrows: [],
    xOf: (t) => GUTTER + (t - t0) / nsPerPx,
    dy: (y) => Math.round(y * dpr),
  };

  for (const row of layout.rows) {
    if (row.y + row.h < top || row.y > bottom) continue;
    if (row.type !== 'header') fillBand(frame.band, frame.dy(row.y + row.h) - 1, frame.dy(row.y + row.h), GRID);
    const index = input.indexes[row.slot];
    if (index) painterOf(row).paint(row, index, frame);
  }
  ctx.putImageData(image, 0, bandTop);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawOverlays(ctx, frame, { indexes: input.indexes, selected: input.selected, matches: input.matches, currentMatch: input.currentMatch, aligned: input.aligned, top, bottom });
  return frame.summary;
}
