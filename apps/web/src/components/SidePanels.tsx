// Details of the selected interval (with its blocking chain to the root holder) and the compare
// controls.

import { useState } from 'react';
import { NONE } from '@lockscope/trace';
import { endCompare, startCompare } from '../actions.js';
import { IntervalKind, type TimelineIndex } from '../derived/timelineIndex.js';
import { callOf, timeByLock } from '../derived/blame.js';
import { waitVerdict } from '../derived/analysis.js';
import { CLASS_COLOURS } from '../timeline/palette.js';
import { formatNs } from '../format.js';
import { useApp } from '../store/app.js';
import { loaded } from '../store/traces.js';
import { describeInterval } from '../timeline/describe.js';
import { useCatalogue } from './StartPanel.js';

export function DetailsPanel() {
  const selected = useApp((s) => s.selected);
  useApp((s) => s.versions.main); // open intervals grow while live
  const entry = loaded('main');
  if (!entry || selected < 0 || selected >= entry.index.size) {
    return (
      <section className="details" aria-labelledby="details">
        <h2 id="details">Selection</h2>
        <p className="muted small">Click a bar to see its details; a wait shows its blocking chain. Wheel or W/S zooms, drag or A/D pans.</p>
      </section>
    );
  }
  const ix = entry.index;
  const d = describeInterval(ix, selected);
  const chain = ix.kindOf(selected) === IntervalKind.Wait ? ix.chain(selected) : [];
  const verdict = ix.isOpen(selected) ? null : waitVerdict(ix, selected);
  const zoomTo = () => {
    const s = ix.startOf(selected);
    const e = ix.endOf(selected);
    const pad = Math.max((e - s) * 0.5, 1000);
    useApp.getState().setWindow({ t0: Math.max(0, s - pad), t1: e + pad });
  };
  return (
    <section className="details" aria-labelledby="details" data-testid="details">
      <h2 id="details">{d.title}</h2>
      <dl>
        {d.fields.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
      {chain.length > 0 && chain[0].holder !== NONE && (
        <>
          <h3>Blocking chain</h3>
          <ol className="chain">
            <li>{ix.source.threads[ix.threadOf(selected)]?.name} waits</li>
            {chain.map((step, i) =>
              step.holder === NONE ? null : (
                <li key={i}>
                  held by <b>{ix.source.threads[step.holder]?.name}</b>
                  {i + 1 < chain.length && chain[i + 1].holder !== NONE ? ', itself waiting for ' + (ix.source.locks[ix.refOf(chain[i + 1].wait)]?.name ?? '?') : ' (root holder)'}
                </li>
              ),
            )}
          </ol>
        </>
      )}
      {verdict && (
        <p className="small" data-testid="wait-verdict" data-avoidable={verdict.verdict.avoidable > 0 ? 'yes' : 'no'}>
          {verdict.text}
        </p>
      )}
      <CallTimeByLock index={ix} interval={selected} />
      <div className="row">
        <button onClick={zoomTo}>Zoom to it</button>
        <button onClick={() => useApp.getState().select(-1)}>Clear</button>
      </div>
      <p className="muted small">Starts at {formatNs(ix.startOf(selected))}.</p>
    </section>
  );
}

/** Where the selected interval's API call spent its time: waiting for and holding each lock. */
function CallTimeByLock({ index, interval }: { index: TimelineIndex; interval: number }) {
  const call = callOf(index, interval);
  if (call < 0) return null;
  const rows = timeByLock(index, call).slice(0, 8);
  if (rows.length === 0) return null;
  const total = index.endOf(call) - index.startOf(call);
  return (
    <>
      <h3>Time by lock in this call ({formatNs(total)})</h3>
      <table className="by-lock" data-testid="call-by-lock">
        <thead>
          <tr>
            <th>lock</th>
            <th>waited</th>
            <th>held</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.lock}>
              <td>
                <i className="swatch" style={{ background: CLASS_COLOURS[r.lockClass as keyof typeof CLASS_COLOURS] ?? '#ccc' }} /> {r.name}
              </td>
              <td className={r.waited > 0 ? 'waited' : ''}>{r.waited > 0 ? formatNs(r.waited) : '—'}</td>
              <td>{formatNs(r.held)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

export function ComparePanel() {
  const { catalogue } = useCatalogue();
  const source = useApp((s) => s.source);
  const compare = useApp((s) => s.compare);
  const [preset, setPreset] = useState('');
  if (source.kind !== 'live' || source.traced) {
    // Comparing re-simulates the same workload and seed: a traced run has neither.
    return null;
  }
  const choices = catalogue?.presets.filter((p) => p.name !== source.config.preset) ?? [];
  const chosen = preset || choices[0]?.name || '';
  return (
    <section aria-labelledby="compare" className="compare-panel">
      <h2 id="compare">Compare</h2>
      <p className="muted small">Run the same workload and seed under another strategy, shown on the same time axis.</p>
      <div className="row">
        <select aria-label="strategy to compare with" value={chosen} onChange={(e) => setPreset(e.target.value)}>
          {choices.map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <button data-testid="compare-start" disabled={!chosen || compare.status === 'running'} onClick={() => void startCompare(chosen, {})}>
          {compare.status === 'running' ? 'Running…' : 'Compare'}
        </button>
        {compare.status !== 'off' && <button onClick={endCompare}>Close</button>}
      </div>
      {compare.error && (
        <p className="error" role="alert">
          {compare.error}
        </p>
      )}
    </section>
  );
}
