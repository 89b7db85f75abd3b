// Strategy toggles and knobs that act on the live run at once (the run marks the moment on the
// time axis), plus pause/resume and speed.

import { useState } from 'react';
import { control, stopCurrentRun } from '../actions.js';
import { useApp } from '../store/app.js';
import { SPEEDS, useCatalogue } from './StartPanel.js';

export function StrategyPanel() {
  const { catalogue } = useCatalogue();
  const strategy = useApp((s) => s.strategy);
  const connection = useApp((s) => s.connection);
  const status = useApp((s) => s.status);
  const sent = useApp((s) => s.sent);
  const source = useApp((s) => s.source);
  const [note, setNote] = useState<string | null>(null);
  const live = connection === 'live' || connection === 'paused';

  const send = (ok: boolean, what: string) => setNote(ok ? `sent: ${what}` : 'the run is not live: nothing changed');

  if (source.kind === 'live' && source.traced) {
    // A traced libvirtd has no strategy, and its clock is the daemon's: no knobs, pause or speed.
    return (
      <section aria-labelledby="strategy" className="strategy" data-testid="strategy-traced">
        <h2 id="strategy">Strategy</h2>
        <p className="small">
          No live strategy changes: this run traces the real libvirtd ({source.traced.workload}, {source.traced.domains} domains), whose locking is
          libvirt’s own. {live ? 'Its events arrive as the daemon produces them.' : 'The run has ended.'}
        </p>
      </section>
    );
  }

  return (
    <section aria-labelledby="strategy" className="strategy">
      <h2 id="strategy">Strategy {live ? <span className="badge live">live</span> : null}</h2>
      {!live && <p className="muted small">{source.kind === 'live' ? 'The run has ended; strategy shown as it was.' : 'Strategy of this recording (read-only).'}</p>}
      {catalogue && !live && Object.keys(strategy).length === 0 && <p className="muted small">This trace carries no strategy (an upload or a traced daemon).</p>}
      {catalogue && (live || Object.keys(strategy).length > 0) && (
        <>
          <div className="presets" role="group" aria-label="presets">
            {catalogue.presets.map((p) => (
              <button key={p.name} disabled={!live} title={p.description} onClick={() => send(control({ type: 'preset', name: p.name }), `preset ${p.name}`)}>
                {p.name}
              </button>
            ))}
          </div>
          <div className="knobs">
            {catalogue.knobs.map((k) => {
              const value = strategy[k.name];
              const id = `knob-${k.name}`;
              return (
                <label key={k.name} htmlFor={id} title={k.description}>
                  <span>{k.name}</span>
                  {k.values ? (
                    <select
                      id={id}
                      name={k.name}
                      disabled={!live}
                      value={value === undefined ? '' : String(value)}
                      onChange={(e) => send(control({ type: 'set', knob: k.name, value: e.target.value }), `${k.name}=${e.target.value}`)}
                    >
                      {value === undefined && <option value="">—</option>}
                      {k.values.map((v) => (
                        <option key={v} value={v}>
                          {v}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={id}
                      name={k.name}
                      type="number"
                      min={k.min}
                      max={k.max}
                      disabled={!live}
                      defaultValue={value === undefined ? '' : Number(value)}
                      key={String(value)}
                      onBlur={(e) => {
                        const v = Number(e.target.value);
                        if (Number.isFinite(v) && v !== Number(value)) send(control({ type: 'set', knob: k.name, value: v }), `${k.name}=${v}`);
                      }}
                      onKeyDown={(e) => {
                        if (e.key === 'Enter') (e.target as HTMLInputElement).blur();
                      }}
                    />
                  )}
                </label>
              );
            })}
          </div>
        </>
      )}
      <div className="row">
        <button disabled={!live} onClick={() => send(control({ type: connection === 'paused' ? 'resume' : 'pause' }), connection === 'paused' ? 'resume' : 'pause')}>
          {connection === 'paused' ? 'Resume' : 'Pause'}
        </button>
        <button disabled={!live} data-testid="stop" title="end the run here (what ran so far stays, and can be shared)" onClick={() => void stopCurrentRun()}>
          Stop
        </button>
        <label>
          Speed
          <select
            disabled={!live}
            value={String(status?.speed ?? 1)}
            onChange={(e) => {
              const v = e.target.value === 'max' ? 'max' : Number(e.target.value);
              send(control({ type: 'speed', value: v }), `speed ${e.target.value}`);
            }}
          >
            {SPEEDS.map((s) => (
              <option key={s.label} value={String(s.value)}>
                {s.label}
              </option>
            ))}
            {status && !SPEEDS.some((s) => String(s.value) === String(status.speed)) && <option value={String(status.speed)}>{String(status.speed)}x</option>}
          </select>
        </label>
      </div>
      {note && (
        <p className="muted small" role="status">
          {note}
        </p>
      )}
      {sent.length > 0 && <p className="muted small">Changes sent this session: {sent.length}</p>}
    </section>
  );
}
