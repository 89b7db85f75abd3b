// Statistics, updated incrementally while live: per lock class and lock, per API call latency,
// makespan, where the waiting went, and the before/after table when comparing.

import { useEffect, useMemo, useState } from 'react';
import { LOCK_CLASSES } from '@lockscope/trace';
import type { LockStatsRow, StatsSnapshot } from '../derived/stats.js';
import { formatNs, formatPct } from '../format.js';
import { CLASS_COLOURS, CLASS_COLOUR_LIST } from '../timeline/palette.js';
import { useApp } from '../store/app.js';
import { loaded } from '../store/traces.js';
import { callFigures } from '../derived/calls.js';
import { blameByLockSteps, type BlameRow } from '../derived/blame.js';
import { sliced } from '../derived/sliced.js';
import { LatencyChart, SERIES_COLOURS } from './LatencyChart.js';
import { useMarksSplit, useRangeStats, useStats } from './useStats.js';
import { LockOrderView } from './LockOrderView.js';

type Tab = 'classes' | 'locks' | 'blame' | 'apis' | 'order' | 'marks' | 'compare';

export function StatsPanel() {
  const whole = useStats('main');
  const inRange = useRangeStats();
  const range = useApp((s) => s.range);
  const split = useMarksSplit();
  // With a time range selected, every figure, table and chart is of that range.
  const stats = range && inRange ? inRange : whole;
  const cmp = useStats('compare');
  const comparing = useApp((s) => s.compare.status !== 'off');
  const [tab, setTab] = useState<Tab>('classes');
  // Starting a comparison opens its tab: the before/after figures are what the user asked for.
  useEffect(() => {
    if (comparing) setTab('compare');
  }, [comparing]);
  const current: Tab = (tab === 'compare' && !comparing) || (tab === 'marks' && split.length === 0) ? 'classes' : tab;
  if (!stats) {
    // A big trace's statistics are being counted in a worker: say so rather than show nothing.
    const entry = loaded('main');
    return entry?.offThread ? (
      <section className="stats" aria-label="statistics" data-testid="stats-counting">
        <p className="muted">Counting the statistics of {entry.trace.length.toLocaleString()} events…</p>
      </section>
    ) : null;
  }
  const tabs: Array<[Tab, string]> = [
    ['classes', 'Lock classes'],
    ['locks', 'Locks'],
    ['blame', 'Why held long'],
    ['apis', 'API calls'],
    ['order', 'Lock order'],
  ];
  if (split.length > 0) tabs.push(['marks', 'Before / after changes']);
  if (comparing) tabs.push(['compare', 'Compare']);
  return (
    <section className="stats" aria-label="statistics" data-testid="stats">
      <div className="stats-head">
        {range && (
          <span className="range-note" data-testid="range-note">
            range {formatNs(range.t0)} – {formatNs(range.t1)} ({formatNs(range.t1 - range.t0)}){!inRange ? ' …' : ''}
            <button className="link" onClick={() => useApp.getState().setRange(null)} aria-label="clear the time range" title="whole trace (Esc)">
              ×
            </button>
          </span>
        )}
        <div className="figures">
          <span>
            makespan <b data-testid="makespan">{formatNs(stats.makespan)}</b>
          </span>
          <span>
            total waited <b data-testid="wait-total">{formatNs(stats.waitTotal)}</b>
          </span>
          <span>
            intervals <b>{stats.intervals.toLocaleString()}</b>
          </span>
        </div>
        <WaitShare stats={stats} />
        <div role="tablist" className="tabs">
          {tabs.map(([id, label]) => (
            <button key={id} role="tab" aria-selected={current === id} onClick={() => setTab(id)}>
              {label}
            </button>
          ))}
        </div>
      </div>
      <div className="stats-body">
        {current === 'classes' && <LockTable rows={stats.classes} label="lock class" />}
        {current === 'locks' && <LockTable rows={stats.locks.slice(0, 200)} label="lock" />}
        {current === 'apis' && (
          <div className="apis">
            <ApiTable stats={stats} />
            <LatencyChart apis={stats.apis} />
          </div>
        )}
        {current === 'blame' && <BlameTable />}
        {current === 'order' && <LockOrderView />}
        {current === 'marks' && <MarksTable split={split} />}
        {current === 'compare' && <CompareTable before={stats} after={cmp} />}
      </div>
    </section>
  );
}

/** Per lock, its waits split by what the holder was itself waiting for meanwhile. */
function BlameTable() {
  const version = useApp((s) => s.versions.main);
  // Recomputed as the run grows, a slice at a time (millions of waits must not freeze the page);
  // null while counting.
  const [rows, setRows] = useState<BlameRow[] | null>(null);
  useEffect(() => {
    const entry = loaded('main');
    if (!entry) {
      setRows([]);
      return;
    }
    const abort = new AbortController();
    sliced(blameByLockSteps(entry.index), abort.signal).then(
      (all) => setRows(all.slice(0, 20)),
      () => setRows([]),
    );
    return () => abort.abort();
  }, [version]);
  if (rows === null) return <p className="muted">Counting…</p>;
  if (rows.length === 0) return <p className="muted">No lock was waited for yet.</p>;
  return (
    <table data-testid="table-blame">
      <thead>
        <tr>
          <th>lock</th>
          <th>waited for it</th>
          <th>while its holder was itself waiting for</th>
          <th>while its holder ran</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.lock} className="clickable" title="highlight in the timeline" onClick={() => useApp.getState().setSearch(r.name)}>
            <td>
              <i className="swatch" style={{ background: CLASS_COLOURS[r.lockClass as keyof typeof CLASS_COLOURS] ?? '#ccc' }} /> {r.name}
            </td>
            <td>{formatNs(r.waited)}</td>
            <td className="blame-by">
              {r.holderWaiting.length === 0
                ? '—'
                : r.holderWaiting
                    .slice(0, 3)
                    .map((b) => `${b.name} ${formatNs(b.ns)} (${formatPct((100 * b.ns) / r.waited)})`)
                    .join(', ')}
            </td>
            <td>
              {formatNs(r.holderRunning)} ({formatPct((100 * r.holderRunning) / r.waited)})
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Per strategy change: the waiting per lock class and API latency before it and after it. */
function MarksTable({ split }: { split: ReturnType<typeof useMarksSplit> }) {
  const classes = LOCK_CLASSES.map((c, i) => [c, i] as const).filter(([, i]) => split.some((s) => s.before.waitByClass[i] > 0 || s.after.waitByClass[i] > 0));
  return (
    <table data-testid="table-marks">
      <thead>
        <tr>
          <th>change (at)</th>
          <th>span before / after</th>
          {classes.map(([c]) => (
            <th key={c}>waited on {c}</th>
          ))}
          <th>calls finished</th>
          <th>slowest API p50 before → after</th>
        </tr>
      </thead>
      <tbody>
        {split.map((s, k) => {
          const calls = (x: StatsSnapshot) => x.apis.reduce((n, a) => n + a.count, 0);
          const p50 = (x: StatsSnapshot) => {
            const all = x.apis.filter((a) => a.count > 0);
            return all.length ? all.reduce((m, a) => Math.max(m, a.p50), 0) : undefined;
          };
          const before = p50(s.before);
          return (
            <tr key={k}>
              <td>
                {s.label} ({formatNs(s.t)})
              </td>
              <td>
                {formatNs(s.t - (k > 0 ? split[k - 1].t : 0))} / {formatNs((k + 1 < split.length ? split[k + 1].t : (loaded('main')?.index.endTime ?? s.t)) - s.t)}
              </td>
              {classes.map(([c, i]) => (
                <td key={c}>
                  {formatNs(s.before.waitByClass[i])} → <Delta before={s.before.waitByClass[i]} after={s.after.waitByClass[i]} />
                </td>
              ))}
              <td>
                {calls(s.before)} / {calls(s.after)}
              </td>
              <td>
                {before === undefined ? '—' : formatNs(before)} → <Delta before={before} after={p50(s.after)} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Which lock classes the waiting went to: one stacked bar. */
function WaitShare({ stats }: { stats: StatsSnapshot }) {
  if (stats.waitTotal <= 0) return <div className="waitshare muted small">No waiting yet.</div>;
  return (
    <>
      <div className="waitshare" aria-label="share of waiting per lock class" data-testid="wait-share">
        {stats.waitByClass.map((w, i) =>
          w > 0 ? (
            <span
              key={i}
              style={{ width: `${(100 * w) / stats.waitTotal}%`, background: CLASS_COLOUR_LIST[i] }}
              title={`${LOCK_CLASSES[i]}: ${formatNs(w)} (${formatPct((100 * w) / stats.waitTotal)})`}
              data-class={LOCK_CLASSES[i]}
            >
              {(100 * w) / stats.waitTotal >= 12 ? `${LOCK_CLASSES[i]} ${formatPct((100 * w) / stats.waitTotal)}` : ''}
            </span>
          ) : null,
        )}
      </div>
      {stats.avoidableTotal > 0 && (
        <span
          className="small"
          data-testid="wait-avoidable"
          title="wait a per-domain lock would have removed: waiter and holder worked on different domains under a lock that protects every domain"
        >
          avoidable {formatPct((100 * stats.avoidableTotal) / stats.waitTotal)} ({formatNs(stats.avoidableTotal)})
        </span>
      )}
    </>
  );
}

function LockTable({ rows, label }: { rows: LockStatsRow[]; label: string }) {
  if (rows.length === 0) return <p className="muted">No lock activity yet.</p>;
  return (
    <table data-testid={`table-${label.replace(' ', '-')}`}>
      <thead>
        <tr>
          <th>{label}</th>
          <th>acquisitions</th>
          <th>contended</th>
          <th>wait total</th>
          <th>wait p95</th>
          <th>wait max</th>
          <th>hold total</th>
          <th>max waiters</th>
          <th title="wait a per-domain lock would have removed: waiter and holder worked on different domains under a lock that protects every domain">avoidable</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr
            key={r.key}
            data-lock-class={r.lockClass}
            className="clickable"
            title="highlight in the timeline"
            onClick={() => useApp.getState().setSearch(label === 'lock' ? r.name : r.lockClass)}
          >
            <td>
              <i className="swatch" style={{ background: CLASS_COLOURS[r.lockClass as keyof typeof CLASS_COLOURS] ?? '#ccc' }} /> {r.name}
            </td>
            <td>{r.acquisitions.toLocaleString()}</td>
            <td>{formatPct(r.contendedPct)}</td>
            <td>{formatNs(r.waitTotal)}</td>
            <td>{formatNs(r.waitP95)}</td>
            <td>{formatNs(r.waitMax)}</td>
            <td>{formatNs(r.holdTotal)}</td>
            <td>{r.maxWaiters}</td>
            <td data-testid="avoidable-cell">{r.avoidableWait > 0 ? `${formatNs(r.avoidableWait)} (${r.avoidableContended})` : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ApiTable({ stats }: { stats: StatsSnapshot }) {
  if (stats.apis.length === 0) return <p className="muted">No finished API calls yet.</p>;
  return (
    <table data-testid="table-api">
      <thead>
        <tr>
          <th>API call</th>
          <th>count</th>
          <th>p50</th>
          <th>p95</th>
          <th>max</th>
          <th>waited (top class)</th>
        </tr>
      </thead>
      <tbody>
        {stats.apis.map((a, i) => {
          const top = topClass(a.waitByClass);
          return (
            <tr key={a.name} className="clickable" title="highlight in the timeline" onClick={() => useApp.getState().setSearch(a.name)}>
              <td>
                <i className="swatch" style={{ background: SERIES_COLOURS[i % SERIES_COLOURS.length] }} /> {a.name}
              </td>
              <td>{a.count}</td>
              <td>{formatNs(a.p50)}</td>
              <td>{formatNs(a.p95)}</td>
              <td>{formatNs(a.max)}</td>
              <td>{top ? `${formatNs(top[1])} ${top[0]}` : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function topClass(waitByClass: number[]): [string, number] | null {
  let best = -1;
  for (let i = 0; i < waitByClass.length; i++) if (waitByClass[i] > 0 && (best < 0 || waitByClass[i] > waitByClass[best])) best = i;
  return best < 0 ? null : [LOCK_CLASSES[best], waitByClass[best]];
}

/** Per API call, before (this run) and after (the compared strategy). */
export function CompareTable({ before, after }: { before: StatsSnapshot; after: StatsSnapshot | null }) {
  const preset = useApp((s) => s.compare.preset);
  const status = useApp((s) => s.compare.status);
  const mainLive = useApp((s) => s.connection === 'live' || s.connection === 'paused');
  if (!after) return <p className="muted">Waiting for the compared run…</p>;
  const names = Array.from(new Set([...before.apis.map((a) => a.name), ...after.apis.map((a) => a.name)])).sort();
  const classes = LOCK_CLASSES.map((c, i) => [c, i] as const).filter(([, i]) => before.waitByClass[i] > 0 || after.waitByClass[i] > 0);
  return (
    <div className="compare">
      <p className="small">
        Same workload and seed under <b>{preset}</b> {status === 'running' ? '(still running)' : ''}. Makespan {formatNs(before.makespan)} → <b>{formatNs(after.makespan)}</b>; total waited{' '}
        {formatNs(before.waitTotal)} → <b>{formatNs(after.waitTotal)}</b>.
        {mainLive ? ' This run is still live: its figures cover the calls finished so far.' : ''}
      </p>
      <table data-testid="table-compare">
        <thead>
          <tr>
            <th>API call</th>
            <th>count</th>
            <th>p50 before → after</th>
            <th>p95 before → after</th>
            {classes.map(([c]) => (
              <th key={c}>waited on {c}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {names.map((n) => {
            const b = before.apis.find((a) => a.name === n);
            const a = after.apis.find((x) => x.name === n);
            return (
              <tr key={n}>
                <td>{n}</td>
                <td>
                  {b?.count ?? 0} / {a?.count ?? 0}
                </td>
                <td>
                  {b?.count ? formatNs(b.p50) : '—'} → <Delta before={b?.count ? b.p50 : undefined} after={a?.count ? a.p50 : undefined} />
                </td>
                <td>
                  {b?.count ? formatNs(b.p95) : '—'} → <Delta before={b?.count ? b.p95 : undefined} after={a?.count ? a.p95 : undefined} />
                </td>
                {classes.map(([c, i]) => (
                  <td key={c}>
                    {formatNs(b?.waitByClass[i] ?? 0)} → <Delta before={b?.waitByClass[i]} after={a?.waitByClass[i]} />
                  </td>
                ))}
              </tr>
            );
          })}
        </tbody>
      </table>
      <PerCallTable before={before} after={after} />
      <LatencyChart apis={before.apis} compare={after.apis} compareLabel={preset} />
    </div>
  );
}

/** The same calls (API call on a domain) in both runs, the biggest change in waiting first. */
function PerCallTable({ before, after }: { before: StatsSnapshot; after: StatsSnapshot }) {
  // Recomputed when either snapshot changes (a few times per second at most while live).
  const rows = useMemo(() => {
    const m = loaded('main');
    const c = loaded('compare');
    if (!m || !c) return [];
    const a = callFigures(m.index);
    const b = callFigures(c.index);
    const out: Array<{ key: string; before: ReturnType<typeof a.get>; after: ReturnType<typeof b.get> }> = [];
    for (const [key, x] of a) {
      const y = b.get(key);
      if (y) out.push({ key, before: x, after: y });
    }
    out.sort((p, q) => q.before!.waited - q.after!.waited - (p.before!.waited - p.after!.waited));
    return out;
  }, [before, after]);
  if (rows.length === 0) return <p className="muted small">No call has finished in both runs yet.</p>;
  return (
    <table data-testid="table-per-call">
      <thead>
        <tr>
          <th>call (aligned by API and domain)</th>
          <th>latency before → after</th>
          <th>waited before → after</th>
          <th>waited most on (before)</th>
        </tr>
      </thead>
      <tbody>
        {rows.slice(0, 15).map((r) => {
          const top = topClass(r.before!.waitByClass);
          return (
            <tr key={r.key}>
              <td>{r.key}</td>
              <td>
                {formatNs(r.before!.latency)} → <Delta before={r.before!.latency} after={r.after!.latency} />
              </td>
              <td>
                {formatNs(r.before!.waited)} → <Delta before={r.before!.waited} after={r.after!.waited} />
              </td>
              <td>{top ? top[0] : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Delta({ before, after }: { before?: number; after?: number }) {
  if (after === undefined) return <span className="muted">—</span>;
  const better = before !== undefined && after < before;
  const worse = before !== undefined && after > before;
  return <b className={better ? 'better' : worse ? 'worse' : ''}>{formatNs(after)}</b>;
}
