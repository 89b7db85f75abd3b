// Scalability sweeps from the dashboard: a sweep of one parameter under several presets runs as a
// job on the server (worker threads), with progress; the chart then draws makespan or an API
// call's p95 against the swept parameter, one line per preset. Each point links to its own
// timeline (its /s?... share URL re-runs that simulation).

import { useEffect, useMemo, useState } from 'react';
import { line, scaleLinear } from 'd3';
import type { SweepJob, SweepResult } from '@lockscope/cli';
import { getCatalogue, json, type Catalogue } from '../api/client.js';
import { SERIES_COLOURS } from './LatencyChart.js';

const W = 520;
const H = 260;
const M = { top: 12, right: 120, bottom: 34, left: 64 };

export function SweepView() {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [scenario, setScenario] = useState('create-storm');
  const [param, setParam] = useState('domains');
  const [values, setValues] = useState('5,10,20');
  const [presets, setPresets] = useState<string[]>(['libvirt-2013', 'feiner-both']);
  const [job, setJob] = useState<SweepJob | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    getCatalogue().then(setCatalogue, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
  }, []);

  const poll = (url: string): void => {
    json<SweepJob>(url).then(
      (j) => {
        setJob(j);
        if (j.status === 'running') setTimeout(() => poll(url), 300);
        else if (j.status === 'failed') setError(j.error ?? 'the sweep failed');
      },
      (e: unknown) => setError(e instanceof Error ? e.message : String(e)),
    );
  };

  const start = (e: React.FormEvent): void => {
    e.preventDefault();
    setError(null);
    setJob(null);
    const list = values.split(',').map((v) => Number(v.trim()));
    if (list.some((v) => !Number.isInteger(v) || v < 0)) {
      setError(`values must be comma-separated non-negative integers, got '${values}'`);
      return;
    }
    json<{ id: string; url: string }>('/api/sweeps', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ scenario, params: { [param]: list }, presets }),
    }).then(
      (r) => poll(r.url),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };

  const info = catalogue?.scenarios.find((s) => s.name === scenario);
  return (
    <section className="sweep" aria-labelledby="sweep-title" data-testid="sweep">
      <h2 id="sweep-title">Scalability sweep</h2>
      <form onSubmit={start} className="row wrap">
        <label>
          scenario{' '}
          <select name="sweep-scenario" value={scenario} onChange={(e) => setScenario(e.target.value)}>
            {(catalogue?.scenarios ?? [{ name: scenario }]).map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label>
          parameter{' '}
          <select name="sweep-param" value={param} onChange={(e) => setParam(e.target.value)}>
            {(info?.params ?? [{ name: param }]).map((p) => (
              <option key={p.name}>{p.name}</option>
            ))}
          </select>
        </label>
        <label>
          values <input name="sweep-values" value={values} onChange={(e) => setValues(e.target.value)} size={14} />
        </label>
        <fieldset className="row wrap">
          <legend className="small">presets</legend>
          {(catalogue?.presets ?? []).map((p) => (
            <label key={p.name} className="small">
              <input
                type="checkbox"
                name="sweep-preset"
                value={p.name}
                checked={presets.includes(p.name)}
                onChange={(e) => setPresets(e.target.checked ? [...presets, p.name] : presets.filter((x) => x !== p.name))}
              />
              {p.name}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={presets.length === 0 || job?.status === 'running'}>
          Run sweep
        </button>
      </form>
      {error && (
        <p role="alert" className="error small">
          {error}
        </p>
      )}
      {job && job.status === 'running' && (
        <progress data-testid="sweep-progress" max={job.total} value={job.done}>
          {job.done}/{job.total}
        </progress>
      )}
      {job?.result && <SweepChart result={job.result} param={param} />}
    </section>
  );
}

function SweepChart({ result, param }: { result: SweepResult; param: string }) {
  const apis = useMemo(() => [...new Set(result.points.flatMap((p) => Object.keys(p.apis)))].sort(), [result]);
  const [metric, setMetric] = useState('makespan');
  const y = (p: SweepResult['points'][number]): number => (metric === 'makespan' ? p.makespanMs : (p.apis[metric]?.p95Ms ?? 0));
  const xs = result.points.map((p) => p.params[param] ?? 0);
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs)])
    .range([M.left, W - M.right]);
  const ys = scaleLinear()
    .domain([0, Math.max(1, ...result.points.map(y))])
    .nice()
    .range([H - M.bottom, M.top]);
  const path = line<SweepResult['points'][number]>()
    .x((p) => x(p.params[param] ?? 0))
    .y((p) => ys(y(p)));
  return (
    <div data-testid="sweep-chart">
      <label className="small">
        show{' '}
        <select name="sweep-metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
          <option value="makespan">makespan</option>
          {apis.map((a) => (
            <option key={a} value={a}>
              p95 of {a}
            </option>
          ))}
        </select>
      </label>
      <svg width={W} height={H} role="img" aria-label={`${metric === 'makespan' ? 'makespan' : `p95 of ${metric}`} against ${param}, one line per preset`}>
        {ys.ticks(5).map((t) => (
          <g key={t} transform={`translate(0,${ys(t)})`}>
            <line x1={M.left} x2={W - M.right} stroke="#eee" />
            <text x={M.left - 6} dy={4} textAnchor="end" fontSize={10}>
              {t >= 1000 ? `${t / 1000} s` : `${t} ms`}
            </text>
          </g>
        ))}
        {[...new Set(xs)].map((v) => (
          <text key={v} x={x(v)} y={H - M.bottom + 14} textAnchor="middle" fontSize={10}>
            {v}
          </text>
        ))}
        <text x={(M.left + W - M.right) / 2} y={H - 4} textAnchor="middle" fontSize={11}>
          {param}
        </text>
        {result.presets.map((preset, i) => {
          const pts = result.points.filter((p) => p.preset === preset);
          const colour = SERIES_COLOURS[i % SERIES_COLOURS.length];
          const last = pts[pts.length - 1];
          return (
            <g key={preset} data-preset={preset}>
              <path d={path(pts) ?? ''} fill="none" stroke={colour} strokeWidth={2} />
              {pts.map((p) => (
                <a key={p.link} href={p.link} data-testid="sweep-point" data-preset={preset} data-x={p.params[param]}>
                  <circle cx={x(p.params[param] ?? 0)} cy={ys(y(p))} r={5} fill={colour}>
                    <title>{`${preset}, ${param} = ${p.params[param]}: ${y(p)} ms; click to open its timeline`}</title>
                  </circle>
                </a>
              ))}
              {last && (
                <text x={x(last.params[param] ?? 0) + 8} y={ys(y(last))} dy={4} fontSize={11} fill={colour}>
                  {preset}
                </text>
              )}
            </g>
          );
        })}
      </svg>
    </div>
  );
}
