// What one frame's lane painters share: the pixel band they write into (one ImageData per frame:
// without a GPU, Chromium rasterises thousands of small rectangles far slower than a typed-array
// fill), the window, scratch columns, the labels and arrows the overlays draw on top, and the
// summary of what was drawn.

import { LOCK_CLASSES } from '@lockscope/trace';
import type { TimelineIndex } from '../../derived/timelineIndex.js';
import type { Layout, Row } from '../layout.js';
import { CLASS_COLOUR_LIST, GRID_COLOUR, PHASE_COLOUR, QUEUE_COLOUR, SPAN_COLOUR, WAIT_COLOUR } from '../palette.js';

export interface DrawnSummary {
  /** Runs of pixels drawn as waiting, over all thread lanes. */
  waits: number;
  /** Runs of pixels drawn as holding, over all depth rows. */
  holds: number;
  /** Hold runs per lock class (index as in LOCK_CLASSES). */
  classHolds: number[];
  /** Hold runs drawn on a depth row below the first (holds nested in another hold). */
  nestedHolds: number;
  /** Hold runs per lock class on depth rows below the first. */
  nestedClassHolds: number[];
  /** Most hold depth rows drawn in one lane. */
  depthRows: number;
  spans: number;
  threadLanes: number;
  /** Thread lanes of the compared run among them. */
  compareLanes: number;
  lockLanes: number;
  /** Lanes drawn from the pyramid / from raw intervals. */
  lodLanes: number;
  rawLanes: number;
  arrows: number;
  marks: number;
  /** Lock lanes that showed a queue (someone waiting). */
  queuedLockLanes: number;
  matches: number;
  /** Calls outlined in both runs (compare: the selected call and its twin). */
  aligned: number;
}

export function emptySummary(): DrawnSummary {
  const n = LOCK_CLASSES.length;
  return {
    waits: 0,
    holds: 0,
    classHolds: new Array<number>(n).fill(0),
    nestedHolds: 0,
    nestedClassHolds: new Array<number>(n).fill(0),
    depthRows: 0,
    spans: 0,
    threadLanes: 0,
    compareLanes: 0,
    lockLanes: 0,
    lodLanes: 0,
    rawLanes: 0,
    arrows: 0,
    marks: 0,
    queuedLockLanes: 0,
    matches: 0,
    aligned: 0,
  };
}

type Count = { [K in keyof DrawnSummary]: DrawnSummary[K] extends number ? K : never }[keyof DrawnSummary];

/** What two canvases drew (the lanes and the fixed strip), as one summary. */
export function addSummaries(a: DrawnSummary, b: DrawnSummary): DrawnSummary {
  const out: DrawnSummary = { ...a, classHolds: a.classHolds.map((n, i) => n + b.classHolds[i]), nestedClassHolds: a.nestedClassHolds.map((n, i) => n + b.nestedClassHolds[i]) };
  for (const k of Object.keys(out) as Array<keyof DrawnSummary>) {
    const x = a[k];
    const y = b[k];
    if (typeof x === 'number' && typeof y === 'number') out[k as Count] = k === 'depthRows' ? Math.max(x, y) : x + y;
  }
  return out;
}

export interface Label {
  x: number;
  y: number;
  w: number;
  text: string;
}

/** Pixel band being written: device-pixel rows [top, top + height) of the canvas. */
export interface Band {
  px: Uint32Array;
  stride: number;
  top: number;
  height: number;
  x0: number;
}

export interface Frame {
  band: Band;
  layout: Layout;
  t0: number;
  t1: number;
  /** CSS width of the canvas. */
  width: number;
  dpr: number;
  nsPerPx: number;
  /** ns per device pixel (the columns' resolution). */
  nsPerDev: number;
  /** Scratch: one value per device pixel column of the plot. */
  columns: Uint8Array;
  /** Scratch pixel lines, one device pixel row each. */
  line: Uint32Array;
  line2: Uint32Array;
  waitColumns: Int32Array;
  summary: DrawnSummary;
  labels: Label[];
  lockLabels: Label[];
  /** Blocked-by arrows (zoomed in): x, from y, to y. */
  arrows: Array<[number, number, number]>;
  /** CSS x of a time. */
  xOf(t: number): number;
  /** Device y of a CSS y. */
  dy(y: number): number;
}

/** A kind of lane (Perfetto's Track): how it paints itself and what is under a point of it. */
export interface LanePainter<R extends Row> {
  paint(row: R, index: TimelineIndex, frame: Frame): void;
  /** The interval at time t (within `slop` ns) at `dy` CSS px below the lane's top, or -1. */
  hit(row: R, index: TimelineIndex, t: number, slop: number, dy: number): number;
}

/** Text is the dearest thing to draw without a GPU: a frame draws at most this many labels. */
export const MAX_LABELS = 80;
export const MAX_LOCK_LABELS = 40;
export const MAX_ARROWS = 300;

/** Colour as the little-endian RGBA word an ImageData's Uint32Array view holds. */
export function rgba(hex: string): number {
  const n = parseInt(hex.slice(1), 16);
  return ((0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}

export const WHITE = rgba('#FFFFFF');
export const HEADER_BG = rgba('#E9EDF1');
export const GRID = rgba(GRID_COLOUR);
export const WAIT = rgba(WAIT_COLOUR);
export const HATCH = rgba('#5C2800');
export const CLASS_RGBA = CLASS_COLOUR_LIST.map(rgba);
export const SPAN_RGBA = rgba(SPAN_COLOUR);
export const QUEUE_RGBA = rgba(QUEUE_COLOUR);
export const PHASE_RGBA = rgba(PHASE_COLOUR);

/** Copies one prepared pixel line into rows [y0, y1) (device px, canvas coordinates) of the band. */
export function copyRows(band: Band, y0: number, y1: number, src: Uint32Array): void {
  const a = Math.max(y0, band.top);
  const b = Math.min(y1, band.top + band.height);
  for (let y = a; y < b; y++) band.px.set(src, (y - band.top) * band.stride + band.x0);
}

export function fillBand(band: Band, y0: number, y1: number, colour: number): void {
  const a = Math.max(y0, band.top);
  const b = Math.min(y1, band.top + band.height);
  if (b > a) band.px.fill(colour, (a - band.top) * band.stride, (b - band.top) * band.stride);
}

/** A line of `colour` where a column is drawn, white elsewhere. */
export function lineOf(cols: Uint8Array, out: Uint32Array, colour: (v: number) => number): Uint32Array {
  for (let x = 0; x < cols.length; x++) {
    const v = cols[x];
    out[x] = v === 0 ? WHITE : colour(v);
  }
  return out;
}

/** Counts runs of equal non-zero values that pass `test`. */
export function countRuns(cols: Uint8Array, test: (v: number) => boolean): number {
  let n = 0;
  let prev = 0;
  for (let x = 0; x < cols.length; x++) {
    const v = cols[x];
    if (v !== prev && v !== 0 && test(v)) n++;
    prev = v;
  }
  return n;
}

/** Nearest interval given by `each` within `slop` ns of t, preferring ones that cover t. */
export function nearest(index: TimelineIndex, t: number, slop: number, each: (fn: (id: number) => void) => void, skipEmpty: boolean): number {
  let best = -1;
  let bestD = Infinity;
  each((id) => {
    const s = index.startOf(id);
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
