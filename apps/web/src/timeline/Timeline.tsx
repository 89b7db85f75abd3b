// The timeline: thread lanes and lock lanes on one canvas, a D3 time axis above it, D3 zoom for
// wheel and drag, W/A/S/D keys, hover tooltips, click to select. The fixed rows (the most
// contended locks, the pinned lanes) are drawn on a second, sticky canvas over the top of the
// plot, so they stay in view while the other lanes scroll beneath them. Redraws are driven by
// store subscriptions and requestAnimationFrame, not by React renders.

import { useEffect, useRef, useState } from 'react';
import { axisTop, scaleLinear, select, zoom, zoomIdentity, zoomTransform, type D3ZoomEvent, type ZoomTransform } from 'd3';
import { LOCK_CLASSES, NONE } from '@lockscope/trace';
import { alignedCall, callKeys } from '../derived/calls.js';
import { useApp, type AppState } from '../store/app.js';
import { loaded } from '../store/traces.js';
import type { TimelineIndex } from '../derived/timelineIndex.js';
import { formatNs } from '../format.js';
import { GUTTER, computeLayout, splitLayout, type Layout, type LayoutInput, type Row } from './layout.js';
import { addSummaries } from './lanes/frame.js';
import { renderTimeline, type DrawnSummary } from './render.js';
import { hitTest, rowAt } from './hit.js';
import { describeInterval, searchIntervals } from './describe.js';
import { MARK_COLOUR } from './palette.js';

const AXIS_H = 28;

/** Tick labels in the unit that suits the visible span. */
function tickFormat(span: number): (t: number) => string {
  const [div, unit] = span >= 5e9 ? [1e9, 's'] : span >= 5e6 ? [1e6, 'ms'] : span >= 5e3 ? [1e3, 'µs'] : [1, 'ns'];
  return (t) => `${+(t / div).toFixed(3)} ${unit}`;
}

interface MatchCache {
  query: string;
  version: number;
  ids: Uint32Array;
}

export function Timeline({ maxLocks }: { maxLocks: number }) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  /** The fixed rows, sticky at the top of the scrolling plot. */
  const stripRef = useRef<HTMLCanvasElement>(null);
  const axisRef = useRef<SVGSVGElement>(null);
  const summaryRef = useRef<HTMLDivElement>(null);
  const layoutRef = useRef<Layout | null>(null);
  const [width, setWidth] = useState(1000);
  const [height, setHeight] = useState(400);
  const hover = useApp((s) => s.hover);
  const pinned = useApp((s) => s.lanes.pinned);
  const [draft, setDraft] = useState<{ t0: number; t1: number } | null>(null);
  const [laneMenu, setLaneMenu] = useState<{ name: string; x: number; y: number; siblings: string[] } | null>(null);
  const hasCompare = useApp((s) => s.compare.status !== 'off');

  // ---- size ----
  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => {
      setWidth(Math.max(400, Math.floor(el.clientWidth)));
      setHeight(Math.max(200, Math.floor(el.clientHeight)));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  // ---- drawing ----
  useEffect(() => {
    const canvas = canvasRef.current;
    const strip = stripRef.current;
    const scroller = scrollRef.current;
    if (!canvas || !strip || !scroller) return;
    const ctx = canvas.getContext('2d');
    const stripCtx = strip.getContext('2d');
    if (!ctx || !stripCtx) return;
    let frame = 0;
    const matches: Record<'main' | 'compare', MatchCache | null> = { main: null, compare: null };
    let shownCursor = -1;
    // Calls of both runs by key (compare), rebuilt when either run grows.
    let calls: { versions: AppState['versions']; main: Map<string, number>; compare: Map<string, number> } | null = null;
    const alignedWith = (selected: number): { main: number; compare: number } | null => {
      const m = loaded('main');
      const c = loaded('compare');
      if (!m || !c || selected < 0 || selected >= m.index.size) return null;
      const api = m.index.apiOf(selected) === NONE ? selected : m.index.apiOf(selected);
      const versions = useApp.getState().versions;
      if (!calls || calls.versions !== versions) calls = { versions, main: callKeys(m.index), compare: callKeys(c.index) };
      const twin = alignedCall(calls.main, calls.compare, api);
      return twin >= 0 ? { main: api, compare: twin } : null;
    };
    let shownSelected = -1;

    const draw = (): void => {
      frame = 0;
      const s = useApp.getState();
      const main = loaded('main');
      const cmp = loaded('compare');
      const inputs: LayoutInput[] = [];
      if (main) inputs.push({ slot: 'main', index: main.index, maxLocks, title: cmp ? `This run${s.source.kind === 'live' && !s.source.traced ? ` (${s.source.config.preset || 'default'})` : ''}` : undefined });
      if (cmp) inputs.push({ slot: 'compare', index: cmp.index, maxLocks: Math.min(maxLocks, 8), title: s.compare.preset });
      // Pinned lanes stay on top with the strip while they take at most half the plot.
      const layout = computeLayout(inputs, s.lanes, scroller.clientHeight / 2);
      layoutRef.current = layout;
      const fixedH = layout.fixedHeight;
      if (s.selected !== shownSelected && main && s.selected >= 0 && s.selected < main.index.size) {
        // A new selection (a click, a share link, the next search match): its lane in view,
        // below the fixed rows.
        const row = layout.threadRows.main.get(main.index.threadOf(s.selected));
        if (row && row.y >= fixedH && (row.y < scroller.scrollTop + fixedH || row.y + row.h > scroller.scrollTop + scroller.clientHeight)) {
          shownSelected = s.selected;
          canvas.style.height = `${Math.max(layout.height, 40)}px`;
          scroller.scrollTop = Math.max(0, row.y - fixedH - (scroller.clientHeight - fixedH) / 3);
        }
      }
      shownSelected = s.selected;
      const cssH = Math.max(layout.height, 40);
      const dpr = window.devicePixelRatio || 1;
      if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(cssH * dpr)) {
        canvas.width = Math.round(width * dpr);
        canvas.height = Math.round(cssH * dpr);
        canvas.style.width = `${width}px`;
        canvas.style.height = `${cssH}px`;
      }
      const { t0, t1 } = s.window;
      for (const slot of ['main', 'compare'] as const) {
        const entry = slot === 'main' ? main : cmp;
        const q = s.search.trim();
        if (!entry || !q) {
          matches[slot] = null;
          continue;
        }
        const m = matches[slot];
        if (!m || m.query !== q || m.version !== s.versions[slot]) matches[slot] = { query: q, version: s.versions[slot], ids: searchIntervals(entry.index, q) };
      }
      const mainIds = matches.main?.ids;
      s.setSearchMatches(mainIds?.length ?? 0);
      const cursor = mainIds && s.matchCursor >= 0 && s.matchCursor < mainIds.length ? mainIds[s.matchCursor] : -1;
      if (s.matchCursor !== shownCursor) {
        shownCursor = s.matchCursor;
        // Enter / Shift+Enter moved to another match: bring it into view and select it.
        if (cursor >= 0 && main) {
          focusInterval(main.index, cursor);
          return;
        }
      }
      const parts = splitLayout(layout);
      const common = {
        width,
        indexes: { main: main?.index ?? null, compare: cmp?.index ?? null },
        t0,
        t1,
        selected: s.selected >= 0 && main ? { slot: 'main' as const, interval: s.selected } : null,
        matches: { main: mainIds, compare: matches.compare?.ids },
        currentMatch: cursor >= 0 ? { slot: 'main' as const, interval: cursor } : null,
        aligned: alignedWith(s.selected),
        dpr,
      };
      // The lanes that scroll, drawn where they show below the fixed rows...
      const scrolled: DrawnSummary = renderTimeline({ ...common, ctx, height: cssH, layout: parts.scrolling, visibleTop: scroller.scrollTop + fixedH, visibleBottom: scroller.scrollTop + scroller.clientHeight });
      // ...and the fixed rows on the strip canvas, which stays at the top of the plot.
      strip.style.display = fixedH > 0 ? 'block' : 'none';
      let summary = scrolled;
      if (fixedH > 0) {
        if (strip.width !== Math.round(width * dpr) || strip.height !== Math.round(fixedH * dpr)) {
          strip.width = Math.round(width * dpr);
          strip.height = Math.round(fixedH * dpr);
          strip.style.width = `${width}px`;
          strip.style.height = `${fixedH}px`;
          strip.style.marginBottom = `${-fixedH}px`;
        }
        const pinnedSummary = renderTimeline({ ...common, ctx: stripCtx, height: fixedH, layout: parts.fixed });
        publishSummary(strip, null, pinnedSummary);
        summary = addSummaries(scrolled, pinnedSummary);
      }
      // The fixed rows as "type:label@y" (y from the top of the plot), for the browser tests.
      strip.dataset.rows = parts.fixed.rows.map((r) => `${r.type}:${r.label}@${r.y}`).join(',');
      publishSummary(canvas, summaryRef.current, summary);
      // The scroll that shows the lock lanes below the strip, just under it (tests).
      const firstLock = parts.scrolling.rows.find((r) => r.type === 'lock');
      canvas.dataset.lockLanesTop = firstLock ? String(Math.max(0, firstLock.y - fixedH - 20)) : '';
      const compared = layout.rows.find((r) => r.slot === 'compare');
      canvas.dataset.compareTop = compared ? String(compared.y) : '';
      // The lanes laid out (this run's thread lanes as name@y, group headers as #label@y), for the
      // browser tests and anyone scripting the page.
      canvas.dataset.laneRows = layout.rows
        .flatMap((r) => (r.slot !== 'main' ? [] : r.type === 'thread' ? [`${r.label}@${r.y}`] : r.type === 'header' && r.key ? [`#${r.key}@${r.y}`] : []))
        .join(',');
      // The window drawn, exactly (tests read it back after zooming).
      canvas.dataset.windowT0 = String(t0);
      canvas.dataset.windowT1 = String(t1);
      // How far the lanes were scrolled when drawn (the fixed strip stays above them).
      canvas.dataset.scrollTop = String(scroller.scrollTop);
      drawAxis(axisRef.current, t0, t1, width, [...(main?.index.marks ?? []), ...(cmp?.index.marks ?? [])]);
    };
    const schedule = (): void => {
      if (!frame) frame = requestAnimationFrame(draw);
    };
    const relevant = (a: AppState, b: AppState): boolean =>
      a.window !== b.window || a.versions !== b.versions || a.selected !== b.selected || a.search !== b.search || a.matchCursor !== b.matchCursor || a.lanes !== b.lanes || a.compare.status !== b.compare.status;
    const unsubscribe = useApp.subscribe((a, b) => {
      if (relevant(a, b)) schedule();
    });
    scroller.addEventListener('scroll', schedule, { passive: true });
    schedule();
    return () => {
      unsubscribe();
      scroller.removeEventListener('scroll', schedule);
      if (frame) cancelAnimationFrame(frame);
    };
  }, [width, height, maxLocks, hasCompare]);

  // ---- zoom and pan: D3 zoom on the canvas, translated into window changes ----
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    // The transform d3 keeps on the canvas is never reset: each zoom event is applied as its
    // change from the previous one. (Resetting it in 'start' made a wheel turn more than 150 ms
    // after the previous one re-apply the previous zoom: d3's wheel handler reads the transform
    // before it emits 'start'.)
    let last: ZoomTransform = zoomIdentity;
    const plotW = width - GUTTER;
    const behaviour = zoom<HTMLCanvasElement, unknown>()
      .scaleExtent([1e-30, 1e30])
      .filter((event: Event) => {
        const e = event as MouseEvent;
        // Shift-drag selects a time range instead of panning.
        return !e.button && (e.type === 'wheel' || (e.type === 'mousedown' && !e.shiftKey) || e.type.startsWith('touch'));
      })
      .on('start', (event: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        last = event.transform;
      })
      .on('zoom', (event: D3ZoomEvent<HTMLCanvasElement, unknown>) => {
        const t = event.transform;
        const s = useApp.getState();
        if (t.k !== last.k) {
          const src = event.sourceEvent as MouseEvent | null;
          const rect = canvas.getBoundingClientRect();
          const x = src ? src.clientX - rect.left : GUTTER + plotW / 2;
          const at = s.window.t0 + ((Math.max(GUTTER, x) - GUTTER) / plotW) * (s.window.t1 - s.window.t0);
          s.zoomAt(at, t.k / last.k);
        } else if (t.x !== last.x) {
          s.pan(-(t.x - last.x) / plotW);
        }
        last = t;
      });
    const sel = select(canvas);
    sel.call(behaviour).on('dblclick.zoom', null);
    last = zoomTransform(canvas);
    return () => {
      sel.on('.zoom', null);
    };
  }, [width]);

  // ---- keys: W/S zoom, A/D pan (as Perfetto and chrome://tracing) ----
  useEffect(() => {
    const onKey = (e: KeyboardEvent): void => {
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'SELECT' || target.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const s = useApp.getState();
      const mid = (s.window.t0 + s.window.t1) / 2;
      switch (e.key.toLowerCase()) {
        case 'w':
          s.zoomAt(mid, 1.25);
          break;
        case 's':
          s.zoomAt(mid, 0.8);
          break;
        case 'a':
          s.pan(-0.1);
          break;
        case 'd':
          s.pan(0.1);
          break;
        case 'escape':
          s.select(-1);
          s.setRange(null);
          return;
        default:
          return;
      }
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  // ---- time range: Shift-drag on the lanes, or drag along the axis ----
  const startRange = (e: React.MouseEvent<Element>) => {
    const el = e.currentTarget;
    const rect = el.getBoundingClientRect();
    const plotW = Math.max(1, width - GUTTER);
    const timeAt = (clientX: number): number => {
      const { t0, t1 } = useApp.getState().window;
      const x = Math.max(GUTTER, Math.min(width, clientX - rect.left));
      return t0 + ((x - GUTTER) / plotW) * (t1 - t0);
    };
    const from = timeAt(e.clientX);
    e.preventDefault();
    const move = (ev: MouseEvent): void => setDraft({ t0: Math.min(from, timeAt(ev.clientX)), t1: Math.max(from, timeAt(ev.clientX)) });
    const up = (ev: MouseEvent): void => {
      window.removeEventListener('mousemove', move);
      window.removeEventListener('mouseup', up);
      setDraft(null);
      const to = timeAt(ev.clientX);
      // A click without a drag clears the range.
      useApp.getState().setRange(Math.abs(ev.clientX - e.clientX) < 3 ? null : { t0: Math.min(from, to), t1: Math.max(from, to) });
    };
    window.addEventListener('mousemove', move);
    window.addEventListener('mouseup', up);
  };

  /** The pointer on the lanes' canvas (CSS px) and how far the lanes are scrolled. The strip lets
   * the pointer through: its rows are hit at the y they are drawn at. */
  const pointerAt = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    return { x: e.clientX - rect.left, y: e.clientY - rect.top, scrollTop: scrollRef.current?.scrollTop ?? 0 };
  };

  const hitAt = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const layout = layoutRef.current;
    if (!layout) return null;
    const { x, y, scrollTop } = pointerAt(e);
    const s = useApp.getState();
    const hit = hitTest(layout, { main: loaded('main')?.index ?? null, compare: loaded('compare')?.index ?? null }, x, y, s.window.t0, s.window.t1, width, scrollTop);
    return hit ? { hit, x, y } : null;
  };

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (e.buttons) return;
    const r = hitAt(e);
    const s = useApp.getState();
    if (!r) {
      if (s.hover) s.setHover(null);
      return;
    }
    s.setHover({ slot: r.hit.slot, interval: r.hit.interval, x: r.x, y: r.y, lane: laneName(r.hit.row) });
  };

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const layout = layoutRef.current;
    const { x: gx, y: gy, scrollTop } = pointerAt(e);
    if (layout && gx < GUTTER) {
      // The gutter: a group header folds its group; a lane name opens the lane's menu.
      const row = rowAt(layout, gy, scrollTop);
      if (row?.type === 'header' && row.key) useApp.getState().toggleGroup(row.key);
      else if (row?.type === 'thread' && row.slot === 'main') {
        const k = layout.rows.indexOf(row);
        let a = k;
        while (a > 0 && layout.rows[a - 1].type !== 'header') a--;
        let b = k;
        while (b + 1 < layout.rows.length && layout.rows[b + 1].type !== 'header') b++;
        const siblings = layout.rows.slice(a, b + 1).flatMap((r) => (r.type === 'thread' && r.slot === 'main' ? [r.label] : []));
        setLaneMenu({ name: row.label, x: gx, y: row.y + row.h + (row.y < layout.fixedHeight ? scrollTop : 0), siblings });
      } else setLaneMenu(null);
      return;
    }
    setLaneMenu(null);
    const r = hitAt(e);
    const s = useApp.getState();
    if (r && r.hit.slot === 'main') s.select(r.hit.interval);
    else if (!r) s.select(-1);
  };

  const tooltipEntry = hover ? loaded(hover.slot) : null;
  const tip = hover && tooltipEntry && hover.interval < tooltipEntry.index.size ? describeInterval(tooltipEntry.index, hover.interval) : null;

  return (
    <div className="timeline">
      <svg
        ref={axisRef}
        className="axis"
        width={width}
        height={AXIS_H}
        role="img"
        aria-label="time axis (drag along it to select a time range)"
        data-testid="time-axis"
        onMouseDown={startRange}
      />
      <RangeOverlay width={width} draft={draft} />
      <div ref={scrollRef} className="timeline-scroll">
        <canvas
          ref={stripRef}
          className="timeline-strip"
          data-testid="timeline-strip"
          aria-label="Most contended locks and pinned lanes, fixed at the top of the timeline"
          role="img"
        />
        <canvas
          ref={canvasRef}
          data-testid="timeline-canvas"
          aria-label="Lock timeline: per-thread lanes (API calls, holds, waits) and per-lock lanes"
          role="img"
          tabIndex={0}
          onMouseMove={onMove}
          onMouseLeave={() => useApp.getState().setHover(null)}
          onMouseDown={(e) => {
            if (e.shiftKey && e.button === 0) startRange(e);
          }}
          onClick={onClick}
        />
        {laneMenu && (
          <div className="lane-menu" role="menu" style={{ left: laneMenu.x, top: laneMenu.y }} data-testid="lane-menu">
            <b>{laneMenu.name}</b>
            <button role="menuitem" onClick={() => (useApp.getState().togglePin(laneMenu.name), setLaneMenu(null))}>
              {pinned.includes(laneMenu.name) ? 'Unpin' : 'Pin to top'}
            </button>
            <button role="menuitem" onClick={() => (useApp.getState().moveLane(laneMenu.name, -1, laneMenu.siblings), setLaneMenu(null))}>
              Move up
            </button>
            <button role="menuitem" onClick={() => (useApp.getState().moveLane(laneMenu.name, 1, laneMenu.siblings), setLaneMenu(null))}>
              Move down
            </button>
            <button role="menuitem" className="link" onClick={() => setLaneMenu(null)} aria-label="close">
              ×
            </button>
          </div>
        )}
        {tip && hover && (
          <div className={`tooltip tooltip-${tip.kind}`} role="tooltip" data-testid="tooltip" data-lane={hover.lane} style={tooltipPlace(hover, tip.fields.length, width, scrollRef.current)}>
            <div className="tooltip-title">{tip.title}</div>
            <dl>
              {tip.fields.map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{v}</dd>
                </div>
              ))}
            </dl>
          </div>
        )}
      </div>
      <div ref={summaryRef} className="visually-hidden" aria-live="polite" data-testid="drawn-summary" />
    </div>
  );
}

const TIP_W = 290;

/** A lane as the tooltip names it for scripts: `lock:<name>` or `thread:<name>`. */
function laneName(row: Row): string {
  return `${row.type}:${row.label}`;
}

/** Where the tooltip goes: right of and below the pointer, flipped left / above near the edges. */
function tooltipPlace(hover: { x: number; y: number }, fields: number, width: number, scroller: HTMLDivElement | null): { left: number; top: number } {
  const h = 34 + 17 * fields;
  const left = hover.x + 14 + TIP_W > width ? Math.max(0, hover.x - 14 - TIP_W) : hover.x + 14;
  const bottom = scroller ? scroller.scrollTop + scroller.clientHeight : Infinity;
  const top = hover.y + 14 + h > bottom ? Math.max(scroller?.scrollTop ?? 0, hover.y - 10 - h) : hover.y + 14;
  return { left, top };
}

/** The selected time range (or the one being dragged), shaded over the axis and the lanes. */
function RangeOverlay({ width, draft }: { width: number; draft: { t0: number; t1: number } | null }) {
  const range = useApp((s) => s.range);
  const win = useApp((s) => s.window);
  const r = draft ?? range;
  if (!r) return null;
  const k = (width - GUTTER) / (win.t1 - win.t0);
  const x0 = Math.max(GUTTER, GUTTER + (r.t0 - win.t0) * k);
  const x1 = Math.min(width, GUTTER + (r.t1 - win.t0) * k);
  if (x1 <= x0) return null;
  return (
    <div className="range-overlay" style={{ left: x0, width: Math.max(1, x1 - x0) }} data-testid="range-overlay">
      <span>{formatNs(r.t1 - r.t0)}</span>
    </div>
  );
}

/** Selects an interval and centres the window on it (zooming out if it is wider than the window). */
function focusInterval(index: TimelineIndex, id: number): void {
  const app = useApp.getState();
  const s = index.startOf(id);
  const e = index.endOf(id);
  const span = Math.max(app.window.t1 - app.window.t0, (e - s) * 1.5);
  const mid = (s + e) / 2;
  app.select(id);
  app.setWindow({ t0: mid - span / 2, t1: mid + span / 2 });
}

function publishSummary(canvas: HTMLCanvasElement, el: HTMLDivElement | null, s: DrawnSummary): void {
  const d = canvas.dataset;
  d.drawnWaits = String(s.waits);
  d.drawnHolds = String(s.holds);
  d.drawnNestedHolds = String(s.nestedHolds);
  d.drawnDepthRows = String(s.depthRows);
  // Per lock class, "class:runs" pairs (what the browser tests compare with the trace).
  d.drawnClassHolds = LOCK_CLASSES.map((c, i) => `${c}:${s.classHolds[i]}`).join(',');
  d.drawnNestedClassHolds = LOCK_CLASSES.map((c, i) => `${c}:${s.nestedClassHolds[i]}`).join(',');
  d.drawnSpans = String(s.spans);
  d.drawnThreadLanes = String(s.threadLanes);
  d.drawnLockLanes = String(s.lockLanes);
  d.drawnQueuedLockLanes = String(s.queuedLockLanes);
  d.drawnMarks = String(s.marks);
  d.drawnArrows = String(s.arrows);
  d.drawnMatches = String(s.matches);
  d.drawnAligned = String(s.aligned);
  d.drawnCompareLanes = String(s.compareLanes);
  d.lodLanes = String(s.lodLanes);
  d.rawLanes = String(s.rawLanes);
  d.searchMatches = String(useApp.getState().searchMatches);
  if (el) {
    const nested = LOCK_CLASSES.filter((_, i) => s.nestedClassHolds[i] > 0);
    const text =
      s.threadLanes === 0
        ? 'Nothing drawn yet.'
        : `Drawn: ${s.threadLanes} thread lanes with ${s.waits} wait bars and ${s.holds} hold bars (${s.nestedHolds} nested in another hold${nested.length ? `: ${nested.join(', ')}` : ''}), ${s.lockLanes} lock lanes (${s.queuedLockLanes} with waiters), ${s.marks} strategy marks, ${s.arrows} blocked-by arrows.`;
    if (el.textContent !== text) el.textContent = text;
  }
}

function drawAxis(svg: SVGSVGElement | null, t0: number, t1: number, width: number, marks: Array<{ t: number; label: string }>): void {
  if (!svg) return;
  const scale = scaleLinear().domain([t0, t1]).range([GUTTER, width]);
  const root = select(svg);
  let g = root.select<SVGGElement>('g.ticks');
  if (g.empty()) g = root.append('g').attr('class', 'ticks');
  g.attr('transform', `translate(0, ${AXIS_H - 1})`).call(
    axisTop<number>(scale)
      .ticks(Math.max(2, Math.floor((width - GUTTER) / 110)))
      .tickFormat(tickFormat(t1 - t0)),
  );
  const visible = marks.filter((m) => m.t >= t0 && m.t <= t1);
  root
    .selectAll<SVGGElement, { t: number; label: string }>('g.mark')
    .data(visible)
    .join((enter) => {
      const m = enter.append('g').attr('class', 'mark');
      m.append('path').attr('d', 'M-5,0 L5,0 L0,8 Z').attr('fill', MARK_COLOUR);
      m.append('title');
      m.append('text').attr('x', 7).attr('y', 8).attr('font-size', 10).attr('fill', MARK_COLOUR);
      return m;
    })
    .attr('data-testid', 'strategy-mark')
    .attr('transform', (m) => `translate(${scale(m.t)}, 0)`)
    .call((m) => m.select('title').text((d) => `${d.label} at ${formatNs(d.t)}`))
    .call((m) =>
      m
        .select('text')
        .text((d) => d.label.slice(0, 40))
        // Near the right edge the label goes to the left of its mark.
        .attr('x', (d) => (scale(d.t) > width - 220 ? -7 : 7))
        .attr('text-anchor', (d) => (scale(d.t) > width - 220 ? 'end' : 'start')),
    );
  root
    .selectAll('text.window')
    .data([0])
    .join('text')
    .attr('class', 'window')
    .attr('x', 6)
    .attr('y', 17)
    .attr('font-size', 10)
    .text(`${formatNs(t1 - t0)} shown`);
}
