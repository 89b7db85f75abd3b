// The lock-order graph (as lockdep) of the open trace, drawn with D3: lock classes (or locks) on
// a circle, an arrow A -> B for each nesting, as thick as it is frequent and as red as it waited;
// cycles (inversion risks) listed below. Clicking an edge or a cycle's step selects its first
// occurrence on the timeline and zooms there; clicking it again steps to the next occurrence.

import { useMemo, useState } from 'react';
import { lockOrderGraph, type LockOrderBy, type LockOrderGraph, type LockOrderOccurrence } from '@lockscope/trace';
import { interpolateReds, scaleSqrt } from 'd3';
import { formatNs } from '../format.js';
import { useApp } from '../store/app.js';
import { loaded } from '../store/traces.js';
import { intervalOpenedBy } from '../derived/analysis.js';

const W = 380;
const H = 230;
const R = 85;

/** Selects an occurrence's hold of the inner lock and zooms the timeline around it. */
export function jumpTo(o: LockOrderOccurrence): void {
  const entry = loaded('main');
  if (!entry) return;
  const ix = entry.index;
  const interval = intervalOpenedBy(ix, o.event);
  const s = useApp.getState();
  if (interval >= 0) {
    const t0 = ix.startOf(interval);
    const t1 = ix.endOf(interval);
    const pad = Math.max((t1 - t0) * 2, 1e6);
    s.setWindow({ t0: Math.max(0, t0 - pad), t1: t1 + pad });
    s.select(interval);
  } else s.setWindow({ t0: Math.max(0, o.t - 1e6), t1: o.t + 1e6 });
}

export function LockOrderView() {
  const version = useApp((s) => s.versions.main);
  const [by, setBy] = useState<LockOrderBy>('class');
  // per edge (from, to): the occurrence shown last
  const [shown, setShown] = useState<{ key: string; index: number } | null>(null);
  const graph: LockOrderGraph | null = useMemo(() => {
    const entry = loaded('main');
    return entry ? lockOrderGraph(entry.trace, { by }) : null;
    // recomputed when the trace grows or the grouping changes
  }, [version, by]);
  if (!graph) return null;
  const pos = new Map(graph.nodes.map((n, i) => [n, angle(i, graph.nodes.length)]));
  const maxCount = Math.max(1, ...graph.edges.map((e) => e.count));
  const maxWait = Math.max(1, ...graph.edges.map((e) => e.wait));
  const width = scaleSqrt().domain([1, maxCount]).range([1.2, 7]);
  const inCycle = new Set(graph.cycles.flatMap((c) => c.nodes.map((n, k) => `${n}\u0000${c.nodes[(k + 1) % c.nodes.length]}`)));
  const name = (th: number) => loaded('main')?.trace.threads[th]?.name ?? String(th);
  const edgeOf = new Map(graph.edges.map((e) => [`${e.from}\u0000${e.to}`, e]));
  /** Shows the first occurrence of an edge, or the next one when it is clicked again. */
  const step = (from: string, to: string): void => {
    const key = `${from}\u0000${to}`;
    const e = edgeOf.get(key);
    if (!e) return;
    const index = shown?.key === key ? (shown.index + 1) % e.occurrences.length : 0;
    setShown({ key, index });
    jumpTo(e.occurrences[index]);
  };
  const current = shown ? edgeOf.get(shown.key) : undefined;
  return (
    <div className="lock-order" data-testid="lock-order" style={{ display: 'flex', gap: 16, alignItems: 'flex-start', flexWrap: 'wrap' }}>
      <div className="row" style={{ flexBasis: '100%' }}>
        <label>
          by{' '}
          <select value={by} onChange={(e) => setBy(e.target.value as LockOrderBy)} name="lock-order-by">
            <option value="class">lock class</option>
            <option value="lock">lock</option>
          </select>
        </label>
        <span className="muted small">
          {graph.edges.length} edges, {graph.cycles.length === 0 ? 'no cycle' : `${graph.cycles.length} cycle(s): inversion risk`}
        </span>
      </div>
      {graph.edges.length === 0 ? (
        <p className="muted">No lock was taken while another was held.</p>
      ) : (
        <svg width={W} height={H} viewBox={`${-W / 2} ${-H / 2} ${W} ${H}`} role="img" aria-label="lock-order graph">
          <defs>
            <marker id="lo-arrow" viewBox="0 -4 8 8" refX="8" markerWidth="6" markerHeight="6" orient="auto">
              <path d="M0,-4L8,0L0,4" fill="#555" />
            </marker>
          </defs>
          {graph.edges.map((e) => {
            const a = pos.get(e.from) as [number, number];
            const b = pos.get(e.to) as [number, number];
            const cycle = inCycle.has(`${e.from}\u0000${e.to}`);
            return (
              <path
                key={`${e.from}->${e.to}`}
                d={e.from === e.to ? selfLoop(a) : arc(a, b)}
                fill="none"
                stroke={cycle ? '#d00' : interpolateReds(0.25 + (0.75 * e.wait) / maxWait)}
                strokeWidth={width(e.count)}
                strokeDasharray={cycle ? '5 3' : undefined}
                markerEnd="url(#lo-arrow)"
                className="clickable"
                data-testid="lock-order-edge"
                data-from={e.from}
                data-to={e.to}
                onClick={() => step(e.from, e.to)}
              >
                <title>{`${e.from} → ${e.to}: ${e.count} times, waited ${formatNs(e.wait)}; first at ${formatNs(e.first.t)} on ${name(e.first.thread)} (click to see it, again for the next)`}</title>
              </path>
            );
          })}
          {graph.nodes.map((n) => {
            const [x, y] = pos.get(n) as [number, number];
            return (
              <g key={n} transform={`translate(${x},${y})`}>
                <circle r={5} fill="#333" />
                <text dy={x >= 0 ? 4 : 4} dx={x >= 0 ? 8 : -8} textAnchor={x >= 0 ? 'start' : 'end'} fontSize={11}>
                  {n}
                </text>
              </g>
            );
          })}
        </svg>
      )}
      {current && shown && current.occurrences[shown.index] && (
        <p className="small" data-testid="lock-order-shown" style={{ flexBasis: '100%' }}>
          {current.from} → {current.to}: occurrence {shown.index + 1} of {current.count}
          {current.occurrences.length < current.count ? ` (the first ${current.occurrences.length} can be stepped through)` : ''}, at{' '}
          {formatNs(current.occurrences[shown.index].t)} on {name(current.occurrences[shown.index].thread)}; click again for the next
        </p>
      )}
      {graph.cycles.length > 0 && (
        <ol className="cycles" data-testid="lock-order-cycles" aria-label="cycles: inversion risks; click a step to see its first occurrence">
          {graph.cycles.map((c, i) => (
            <li key={i}>
              {c.nodes.map((n, k) => (
                <button key={k} className="link" style={{ marginRight: 8 }} data-testid="lock-order-cycle-step" onClick={() => step(n, c.nodes[(k + 1) % c.nodes.length])} title={`first at ${formatNs(c.occurrences[k].t)} on ${name(c.occurrences[k].thread)}`}>
                  {n} → {c.nodes[(k + 1) % c.nodes.length]}
                </button>
              ))}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function angle(i: number, n: number): [number, number] {
  const a = (2 * Math.PI * i) / Math.max(1, n) - Math.PI / 2;
  return [R * Math.cos(a), R * Math.sin(a)];
}

/** A curved arrow from a to b, stopping short of b's dot (two opposite edges bend apart). */
function arc([x1, y1]: [number, number], [x2, y2]: [number, number]): string {
  const dx = x2 - x1;
  const dy = y2 - y1;
  const d = Math.hypot(dx, dy) || 1;
  const ex = x2 - (dx / d) * 8;
  const ey = y2 - (dy / d) * 8;
  const mx = (x1 + x2) / 2 - (dy / d) * 25;
  const my = (y1 + y2) / 2 + (dx / d) * 25;
  return `M${x1},${y1} Q${mx},${my} ${ex},${ey}`;
}

function selfLoop([x, y]: [number, number]): string {
  const k = Math.hypot(x, y) || 1;
  const ox = (x / k) * 30;
  const oy = (y / k) * 30;
  return `M${x},${y} C${x + ox - oy},${y + oy + ox} ${x + ox + oy},${y + oy - ox} ${x + 2},${y + 2}`;
}
