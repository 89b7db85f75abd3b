// "What if" on the open trace (a recording, an uploaded file, a traced run): its API calls are
// replayed through the simulator under another strategy (packages/sim's replay.ts) and the result
// is shown as a compare, on the same time axis and in the Compare table. A simulated live run has
// the Compare panel instead (it re-simulates the workload itself).

import { useState } from 'react';
import { extractCalls, replayCalls, resolveConfig, strategyMapper, tracedStrategy, unmodelledKnobs } from '@lockscope/sim';
import { endCompare } from '../actions.js';
import { useApp } from '../store/app.js';
import { attachTrace, loaded } from '../store/traces.js';
import { useCatalogue } from './StartPanel.js';

export function WhatIfPanel() {
  const { catalogue } = useCatalogue();
  const source = useApp((s) => s.source);
  const compare = useApp((s) => s.compare);
  const [preset, setPreset] = useState('feiner-both');
  const [note, setNote] = useState<string | null>(null);
  if (source.kind === 'none' || (source.kind === 'live' && !source.traced)) return null;

  const run = (): void => {
    const entry = loaded('main');
    if (!entry) return;
    const app = useApp.getState();
    try {
      const calls = extractCalls(entry.trace);
      if (!calls.jobs.some((j) => j.api !== undefined)) throw new Error('this trace has no API call to replay');
      const traced = tracedStrategy(entry.trace);
      const target = resolveConfig({ scenario: 'create-storm', preset }).strategy;
      const { trace, stuck } = replayCalls(calls, strategyMapper(traced.strategy, target), { replayOf: entry.trace.meta, preset, strategy: target });
      attachTrace('compare', trace, () => useApp.getState().bump('compare'));
      app.setCompare({ status: 'done', preset, set: {}, error: undefined });
      app.bump('compare');
      const missing = unmodelledKnobs(traced.strategy, target);
      setNote(
        `${traced.assumed ? 'Traced strategy assumed to be libvirt-9.0’s. ' : ''}` +
          (missing.length ? `Not modelled: ${missing.join(', ')} (their traced values are kept). ` : '') +
          (stuck ? `${stuck} calls could not finish.` : ''),
      );
    } catch (error) {
      app.setCompare({ status: 'error', preset, error: error instanceof Error ? error.message : String(error) });
    }
  };

  return (
    <section aria-labelledby="whatif" className="compare-panel" data-testid="whatif">
      <h2 id="whatif">What if</h2>
      <p className="muted small">Replay this trace’s API calls through the simulator under another strategy: each call keeps its own work, the waiting is simulated.</p>
      <div className="row">
        <select aria-label="strategy to replay under" value={preset} onChange={(e) => setPreset(e.target.value)}>
          {(catalogue?.presets ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
        <button data-testid="whatif-start" onClick={run} disabled={source.kind === 'live' && useApp.getState().connection !== 'done'}>
          What if
        </button>
        {compare.status !== 'off' && <button onClick={endCompare}>Close</button>}
      </div>
      {note && <p className="muted small">{note}</p>}
      {compare.error && (
        <p className="error" role="alert">
          {compare.error}
        </p>
      )}
    </section>
  );
}
