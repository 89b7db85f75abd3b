// Benchmark page (bench/web-timeline.bench.ts drives it in headless Chromium): loads a synthetic
// trace of N intervals into the same index and renderer as the dashboard, and draws a plain
// D3-SVG timeline of a smaller trace as the baseline. Each call returns times measured here.

import { select } from 'd3';
import { sharedColumnsAvailable } from '@lockscope/trace';
import { TimelineIndex, IntervalKind } from '../derived/timelineIndex.js';
import { syntheticTrace } from '../derived/synthetic.js';
import { indexOffThread, startTraceWorker } from '../derived/offthread.js';
import { computeLayout, GUTTER, THREAD_LANE_H } from '../timeline/layout.js';
import { renderTimeline, type DrawnSummary } from '../timeline/render.js';
import { CLASS_COLOUR_LIST, WAIT_COLOUR } from '../timeline/palette.js';

interface LoadResult {
  intervals: number;
  events: number;
  generateMs: number;
  indexMs: number;
  firstDrawMs: number;
  summary: DrawnSummary;
}

let index: TimelineIndex | null = null;
let canvas: HTMLCanvasElement | null = null;
let width = 1600;
let height = 900;

function flush(c: HTMLCanvasElement): void {
  // Canvas drawing is deferred; reading one pixel forces the raster so the timing is honest.
  c.getContext('2d')?.getImageData(0, 0, 1, 1);
}

function drawAt(t0: number, t1: number): { ms: number; summary: DrawnSummary } {
  if (!index || !canvas) throw new Error('load first');
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2d context');
  const start = performance.now();
  const layout = computeLayout([{ slot: 'main', index, maxLocks: 14 }]);
  const summary = renderTimeline({ ctx, width, height, layout, indexes: { main: index }, t0, t1, visibleTop: 0, visibleBottom: height });
  flush(canvas);
  return { ms: performance.now() - start, summary };
}

const api = {
  /** Generates and loads a trace, then draws it whole once: the time to first complete draw. */
  async load(intervals: number, w = 1600, h = 900): Promise<LoadResult> {
    width = w;
    height = h;
    document.getElementById('root')!.innerHTML = '';
    canvas = document.createElement('canvas');
    canvas.id = 'plot';
    canvas.width = w;
    canvas.height = h;
    document.getElementById('root')!.appendChild(canvas);
    const g0 = performance.now();
    // As a recording arrives, decoded in the worker: on shared columns where the page is
    // cross-origin isolated (as the server serves it).
    const trace = syntheticTrace({ intervals, threads: 24, locks: 32, seed: 11, shared: sharedColumnsAvailable() });
    // The generator's garbage (its growing columns) is its own cost, not the index's: collect it
    // before the clock starts (the bench runs Chromium with --expose-gc).
    (globalThis as { gc?: () => void }).gc?.();
    const g1 = performance.now();
    // As the dashboard loads a recording: the index shared with the worker above a million events.
    index = await indexOffThread(trace);
    const { ms, summary } = drawAt(0, index.endTime);
    const g2 = performance.now();
    return { intervals: index.size, events: trace.length, generateMs: g1 - g0, indexMs: g2 - g1 - ms, firstDrawMs: g2 - g1, summary };
  },

  /** Frame times (ms) of a pan-and-zoom path: zoom in step by step, pan, zoom back out. */
  panZoom(frames: number): number[] {
    if (!index) throw new Error('load first');
    const end = index.endTime;
    const times: number[] = [];
    let t0 = 0;
    let t1 = end;
    for (let f = 0; f < frames; f++) {
      const phase = f % 60;
      const span = t1 - t0;
      if (phase < 20) {
        const c = t0 + span * 0.37;
        t0 = c - (span / 1.25) * 0.37;
        t1 = t0 + span / 1.25;
      } else if (phase < 40) {
        const d = span * 0.05;
        t0 = Math.min(end - span, t0 + d);
        t1 = t0 + span;
      } else {
        const c = t0 + span * 0.5;
        const next = Math.min(end, span * 1.25);
        t0 = Math.max(0, c - next / 2);
        t1 = Math.min(end, t0 + next);
      }
      times.push(drawAt(t0, t1).ms);
    }
    return times;
  },

  /** Baseline: a plain D3 data join of one SVG rect per interval, then panned by re-rendering. */
  svgBaseline(intervals: number, frames: number): { firstDrawMs: number; frames: number[] } {
    document.getElementById('root')!.innerHTML = '';
    const trace = syntheticTrace({ intervals, threads: 24, locks: 32, seed: 11 });
    const ix = new TimelineIndex(trace);
    ix.update();
    const rows: Array<{ s: number; e: number; y: number; c: string }> = [];
    for (let id = 0; id < ix.size; id++) {
      const k = ix.kindOf(id);
      const y = ix.threadOf(id) * THREAD_LANE_H + (k === IntervalKind.Span ? 2 : 13);
      const c = k === IntervalKind.Wait ? WAIT_COLOUR : k === IntervalKind.Hold ? CLASS_COLOUR_LIST[ix.lockClassOf(ix.refOf(id))] : '#5B6770';
      rows.push({ s: ix.startOf(id), e: ix.endOf(id), y, c });
    }
    const svg = select('#root').append('svg').attr('id', 'svg').attr('width', width).attr('height', height);
    const end = ix.endTime;
    const draw = (t0: number, t1: number): number => {
      const start = performance.now();
      const k = (width - GUTTER) / (t1 - t0);
      svg
        .selectAll('rect')
        .data(rows)
        .join('rect')
        .attr('x', (d) => GUTTER + (d.s - t0) * k)
        .attr('y', (d) => d.y)
        .attr('width', (d) => Math.max(1, (d.e - d.s) * k))
        .attr('height', 10)
        .attr('fill', (d) => d.c);
      // Force style, layout and paint bookkeeping for the new geometry.
      (svg.node() as SVGSVGElement).getBoundingClientRect();
      document.body.offsetHeight;
      return performance.now() - start;
    };
    const firstDrawMs = draw(0, end);
    const times: number[] = [];
    let t0 = 0;
    let span = end;
    for (let f = 0; f < frames; f++) {
      span = f % 40 < 20 ? span / 1.1 : span * 1.1;
      t0 = Math.max(0, Math.min(end - span, t0 + span * 0.02));
      times.push(draw(t0, t0 + span));
    }
    return { firstDrawMs, frames: times };
  },

  /** Where a load and a frame spend their time (development aid). */
  profile(): Record<string, number> {
    const trace = syntheticTrace({ intervals: 1_000_000, threads: 24, locks: 32, seed: 11 });
    const a = performance.now();
    const ix = new TimelineIndex(trace);
    ix.update();
    const b = performance.now();
    index = ix;
    const ctx = canvas!.getContext('2d')!;
    const layout = computeLayout([{ slot: 'main', index: ix, maxLocks: 14 }]);
    const c = performance.now();
    renderTimeline({ ctx, width, height, layout, indexes: { main: ix }, t0: 0, t1: ix.endTime });
    const d = performance.now();
    flush(canvas!);
    const e = performance.now();
    renderTimeline({ ctx, width, height, layout, indexes: { main: ix }, t0: ix.endTime * 0.3, t1: ix.endTime * 0.7 });
    const f = performance.now();
    flush(canvas!);
    const g = performance.now();
    return { indexMs: b - a, drawJsMs: d - c, flushMs: e - d, draw2JsMs: f - e, flush2Ms: g - f };
  },

  /** Bytes of the loaded trace's columns and of its index (columns, lists, pyramids). */
  dataBytes(): { trace: number; index: number; intervals: number; shared: number } {
    if (!index) throw new Error('load first');
    const tr = index.source;
    // (V8's heap figures leave SharedArrayBuffers out: the bench adds them from here)
    return { trace: tr.columnBytes, index: index.bytes, intervals: index.size, shared: tr.shared ? tr.columnBytes : 0 };
  },

  heapBytes(): number {
    const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
    return mem ? mem.usedJSHeapSize : -1;
  },
};

(window as unknown as { lockscopeBench: typeof api }).lockscopeBench = api;
// As the dashboard does at start.
startTraceWorker();
document.title = 'bench ready';
