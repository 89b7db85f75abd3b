// Latency distribution per API call as empirical CDFs drawn as steps (D3): log time axis, one
// line per call, solid for this run and dashed for the compared one, with a legend.

import { useEffect, useRef } from 'react';
import { axisBottom, axisLeft, curveStepAfter, line, scaleLog, scaleLinear, select } from 'd3';
import type { ApiStatsRow } from '../derived/stats.js';
import { formatNs } from '../format.js';

export const SERIES_COLOURS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];

interface Series {
  name: string;
  latencies: Float64Array;
  dashed?: boolean;
  colour: string;
}

function seriesOf(apis: ApiStatsRow[], compare: ApiStatsRow[] | null | undefined, compareLabel: string): Series[] {
  const series: Series[] = [];
  apis.forEach((a, i) => {
    if (a.count > 0) series.push({ name: a.name, latencies: a.latencies, colour: SERIES_COLOURS[i % SERIES_COLOURS.length] });
    const c = compare?.find((x) => x.name === a.name);
    if (c && c.count > 0) series.push({ name: `${a.name} (${compareLabel})`, latencies: c.latencies, dashed: true, colour: SERIES_COLOURS[i % SERIES_COLOURS.length] });
  });
  return series;
}

export function LatencyChart({ apis, compare, compareLabel = 'compared' }: { apis: ApiStatsRow[]; compare?: ApiStatsRow[] | null; compareLabel?: string }) {
  const ref = useRef<SVGSVGElement>(null);
  const legend = seriesOf(apis, compare, compareLabel);
  useEffect(() => {
    const svg = ref.current;
    if (!svg) return;
    const width = 420;
    const height = 190;
    const m = { l: 40, r: 10, t: 8, b: 32 };
    const series = seriesOf(apis, compare, compareLabel);
    const root = select(svg).attr('viewBox', `0 0 ${width} ${height}`);
    root.selectAll('*').remove();
    if (series.length === 0) {
      root.append('text').attr('x', width / 2).attr('y', height / 2).attr('text-anchor', 'middle').attr('class', 'muted').text('No finished API calls yet');
      return;
    }
    let lo = Infinity;
    let hi = 0;
    for (const s of series) {
      lo = Math.min(lo, Math.max(1, s.latencies[0]));
      hi = Math.max(hi, s.latencies[s.latencies.length - 1]);
    }
    if (hi <= lo) hi = lo * 10;
    const x = scaleLog().domain([lo, hi]).range([m.l, width - m.r]).nice();
    const y = scaleLinear().domain([0, 1]).range([height - m.b, m.t]);
    root
      .append('g')
      .attr('transform', `translate(0,${height - m.b})`)
      .call(axisBottom(x).ticks(5, (d: { valueOf(): number }) => formatNs(d.valueOf())));
    root.append('g').attr('transform', `translate(${m.l},0)`).call(axisLeft(y).ticks(4, '%'));
    root.append('text').attr('x', width - m.r).attr('y', height - 2).attr('text-anchor', 'end').attr('font-size', 10).text('latency (log) → share of calls');
    const path = line<[number, number]>()
      .curve(curveStepAfter)
      .x((d) => x(Math.max(lo, d[0])))
      .y((d) => y(d[1]));
    for (const s of series) {
      // The empirical CDF: 0 before the fastest call, then a step up at each call's latency
      // (at most 400 steps; more than that is finer than a pixel).
      const n = s.latencies.length;
      const step = Math.max(1, Math.floor(n / 400));
      const pts: Array<[number, number]> = [[s.latencies[0], 0]];
      for (let i = 0; i < n; i += step) pts.push([s.latencies[i], (i + 1) / n]);
      pts.push([s.latencies[n - 1], 1]);
      pts.push([hi, 1]);
      root
        .append('path')
        .attr('d', path(pts) ?? '')
        .attr('fill', 'none')
        .attr('stroke', s.colour)
        .attr('stroke-width', 1.8)
        .attr('stroke-dasharray', s.dashed ? '5 3' : null)
        .append('title')
        .text(s.name);
    }
  }, [apis, compare, compareLabel]);
  return (
    <figure className="chart-figure">
      <svg ref={ref} className="chart" role="img" aria-label="latency CDF per API call" data-testid="latency-chart" />
      {legend.length > 0 && (
        <figcaption className="chart-legend" data-testid="chart-legend">
          {legend.map((s) => (
            <span key={s.name} className="item">
              <i className={`line${s.dashed ? ' dashed' : ''}`} style={{ borderTopColor: s.colour }} /> {s.name}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
