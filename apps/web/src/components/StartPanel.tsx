// Start view: a simulated run built from the server's catalogue, the recordings list, and
// uploading a trace file (drag and drop or picker) with progress and the server's refusal.

import { useEffect, useMemo, useState, type DragEvent } from 'react';
import { getCatalogue, listRecordings, type Catalogue, type RecordingEntry } from '../api/client.js';
import { openRecording, startRun, uploadAndOpen } from '../actions.js';
import type { RunConfig } from '../store/app.js';
import { TracedRunPanel } from './TracedRunPanel.js';

export const SPEEDS: Array<{ label: string; value: number | 'max' }> = [
  { label: '1x', value: 1 },
  { label: '10x', value: 10 },
  { label: '100x', value: 100 },
  { label: 'max', value: 'max' },
];

/** One catalogue request per page load, shared by every panel (retried after a failure). */
let cataloguePromise: Promise<Catalogue> | null = null;
function catalogueOnce(): Promise<Catalogue> {
  if (!cataloguePromise) {
    cataloguePromise = getCatalogue();
    cataloguePromise.catch(() => {
      cataloguePromise = null;
    });
  }
  return cataloguePromise;
}

export function useCatalogue(): { catalogue: Catalogue | null; error: string | null } {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    catalogueOnce()
      .then((c) => live && setCatalogue(c))
      .catch((e: Error) => live && setError(`the catalogue could not be loaded: ${e.message}`));
    return () => {
      live = false;
    };
  }, []);
  return { catalogue, error };
}

export function StartPanel({ initial }: { initial?: Partial<RunConfig> }) {
  const { catalogue, error } = useCatalogue();
  const [scenario, setScenario] = useState(initial?.scenario ?? '');
  const [params, setParams] = useState<Record<string, number>>(initial?.params ?? {});
  const [preset, setPreset] = useState(initial?.preset ?? '');
  const [seed, setSeed] = useState(initial?.seed ?? 1);
  const [speed, setSpeed] = useState<number | 'max'>(10);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!catalogue) return;
    if (!scenario && catalogue.scenarios[0]) setScenario(catalogue.scenarios[0].name);
    if (!preset && catalogue.presets[0]) setPreset(catalogue.presets[0].name);
  }, [catalogue, scenario, preset]);

  const info = useMemo(() => catalogue?.scenarios.find((s) => s.name === scenario), [catalogue, scenario]);

  const start = async () => {
    if (!info) return;
    setBusy(true);
    const p: Record<string, number> = {};
    for (const param of info.params) p[param.name] = params[param.name] ?? param.default;
    await startRun({ scenario, params: p, preset, set: initial?.set ?? {}, seed }, speed);
    setBusy(false);
  };

  return (
    <div className="start">
      <section aria-labelledby="new-run">
        <h2 id="new-run">Simulate libvirtd</h2>
        {error && <p className="error" role="alert">{error}</p>}
        {!catalogue && !error && <p className="muted">Loading scenarios…</p>}
        {catalogue && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              void start();
            }}
          >
            <label>
              Scenario
              <select name="scenario" value={scenario} onChange={(e) => setScenario(e.target.value)}>
                {catalogue.scenarios.map((s) => (
                  <option key={s.name} value={s.name}>
                    {s.name}
                  </option>
                ))}
              </select>
            </label>
            {info && <p className="muted small">{info.description}</p>}
            {info?.params.map((p) => (
              <label key={p.name} title={p.description}>
                {p.name}
                <input
                  name={`param.${p.name}`}
                  type="number"
                  min={p.min}
                  max={p.max}
                  value={params[p.name] ?? p.default}
                  onChange={(e) => setParams({ ...params, [p.name]: Number(e.target.value) })}
                />
              </label>
            ))}
            <label>
              Strategy
              <select name="preset" value={preset} onChange={(e) => setPreset(e.target.value)}>
                {catalogue.presets.map((p) => (
                  <option key={p.name} value={p.name} title={p.description}>
                    {p.name}
                  </option>
                ))}
              </select>
            </label>
            <p className="muted small">{catalogue.presets.find((p) => p.name === preset)?.description}</p>
            <div className="row">
              <label>
                Seed
                <input name="seed" type="number" min={0} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
              </label>
              <label>
                Speed
                <select name="speed" value={String(speed)} onChange={(e) => setSpeed(e.target.value === 'max' ? 'max' : Number(e.target.value))}>
                  {SPEEDS.map((s) => (
                    <option key={s.label} value={String(s.value)}>
                      {s.label}
                    </option>
                  ))}
                </select>
              </label>
            </div>
            <button type="submit" className="primary" disabled={busy || !info}>
              {busy ? 'Starting…' : 'Start live run'}
            </button>
          </form>
        )}
      </section>
      <Upload />
      <TracedRunPanel />
      <Recordings />
    </div>
  );
}

function Recordings() {
  const [items, setItems] = useState<RecordingEntry[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    listRecordings()
      .then(setItems)
      .catch((e: Error) => setError(e.message));
  }, []);
  return (
    <section aria-labelledby="recordings">
      <h2 id="recordings">Recordings</h2>
      {error && <p className="error">{error}</p>}
      {!items && !error && <p className="muted">Loading…</p>}
      {items && items.length === 0 && <p className="muted">No recordings yet. Share a run to make one.</p>}
      {items && items.length > 0 && (
        <ul className="recordings">
          {items.map((r) => (
            <li key={r.id}>
              <button className="link" onClick={() => void openRecording(r.id)}>
                {r.title}
              </button>
              <span className="muted small"> {r.events.toLocaleString()} events · {r.source}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Upload() {
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [over, setOver] = useState(false);

  const send = async (file: File | undefined) => {
    if (!file) return;
    setError(null);
    setProgress(0);
    try {
      await uploadAndOpen(file, setProgress);
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setProgress(null);
    }
  };

  const onDrop = (e: DragEvent<HTMLDivElement>) => {
    e.preventDefault();
    setOver(false);
    void send(e.dataTransfer.files[0]);
  };

  return (
    <section aria-labelledby="upload">
      <h2 id="upload">Open a trace file</h2>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <p>Drop a Lockscope (.lkscope), NDJSON or Chrome Trace JSON file here, or</p>
        <label className="button">
          choose a file
          <input type="file" data-testid="upload-input" accept=".lkscope,.ndjson,.json,application/json,application/octet-stream" onChange={(e) => void send(e.target.files?.[0])} hidden />
        </label>
        {progress !== null && <progress data-testid="upload-progress" value={progress} max={1} aria-label="upload progress" />}
        {/* Inside the drop zone, where the eye is, and scrolled into view. */}
        {error && (
          <p className="error upload-error" role="alert" data-testid="upload-error" ref={(el) => el?.scrollIntoView({ block: 'nearest' })}>
            The server refused this file: {error}
          </p>
        )}
      </div>
    </section>
  );
}
