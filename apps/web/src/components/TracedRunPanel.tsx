// Start view: a traced run of this host's real libvirtd (the LD_PRELOAD recorder of
// packages/tracer). `GET /api/traced` says whether the host can; when it cannot, the panel lists
// what it lacks. A started run opens exactly like a simulated one (startTracedRun).

import { useEffect, useState } from 'react';
import { getTraced, type TracedInfo } from '../api/client.js';
import { startTracedRun } from '../actions.js';

const WORKLOAD_TEXT: Record<string, string> = {
  lifecycle: 'Each domain defined, started, queried, destroyed and undefined, all domains at once.',
  'create-storm': 'Transient domains created at once (the 2013 report), destroyed afterwards.',
  'define-during-storm': 'A create storm while another client defines a new domain every 500 ms (the 2013 report’s define probes).',
};

/** Domains asked for by default: a few, so that the first run stays short. */
const DEFAULT_DOMAINS = 4;

export function TracedRunPanel() {
  const [info, setInfo] = useState<TracedInfo | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [workload, setWorkload] = useState('');
  const [domains, setDomains] = useState(DEFAULT_DOMAINS);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    getTraced()
      .then((i) => {
        if (!live) return;
        setInfo(i);
        setWorkload((w) => w || (i.workloads.includes('lifecycle') ? 'lifecycle' : (i.workloads[0] ?? '')));
        setDomains((d) => Math.min(d, i.maxDomains));
      })
      .catch((e: Error) => live && setError(`could not ask the server whether this host can trace libvirtd: ${e.message}`));
    return () => {
      live = false;
    };
  }, []);

  const valid = info !== null && Number.isInteger(domains) && domains >= 1 && domains <= info.maxDomains && info.workloads.includes(workload);

  const start = async () => {
    if (!valid) return;
    setBusy(true);
    await startTracedRun({ workload, domains });
    setBusy(false);
  };

  return (
    <section aria-labelledby="traced-run" data-testid="traced-panel">
      <h2 id="traced-run">Trace the real libvirtd</h2>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {!info && !error && <p className="muted">Checking this host…</p>}
      {info && !info.available && (
        <div data-testid="traced-unavailable">
          <p className="muted small">This host cannot run a traced libvirtd. It lacks:</p>
          <ul className="small">
            {info.missing.map((m) => (
              <li key={m}>{m}</li>
            ))}
          </ul>
        </div>
      )}
      {info && info.available && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void start();
          }}
        >
          <p className="muted small">
            Runs a workload against a real libvirtd on this host with Lockscope’s lock recorder and streams its lock calls as they happen. Its locking is
            libvirt’s own: there is no strategy to change.
          </p>
          <div className="row">
            <label>
              Workload
              <select name="traced-workload" value={workload} onChange={(e) => setWorkload(e.target.value)}>
                {info.workloads.map((w) => (
                  <option key={w} value={w}>
                    {w}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Domains
              <input name="traced-domains" type="number" min={1} max={info.maxDomains} step={1} value={domains} onChange={(e) => setDomains(Number(e.target.value))} />
            </label>
          </div>
          {WORKLOAD_TEXT[workload] && <p className="muted small">{WORKLOAD_TEXT[workload]}</p>}
          {!valid && workload && (
            <p className="error small" role="alert">
              Domains: a whole number from 1 to {info.maxDomains}.
            </p>
          )}
          <button type="submit" className="primary" data-testid="traced-start" disabled={busy || !valid}>
            {busy ? 'Starting libvirtd…' : 'Start traced run'}
          </button>
        </form>
      )}
    </section>
  );
}
