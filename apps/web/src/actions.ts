// What the buttons do: start a run, open a recording or an upload, change strategy live, start a
// comparison, share. Each action updates the zustand slices and the trace store together.

import { Trace } from '@lockscope/trace';
import { createRun, createTracedRun, errorFrom, fetchRecording, getRecordingInfo, recordRun, stopRun, uploadRecording, ApiError } from './api/client.js';
import { LiveConnection, type ControlMessage } from './api/live.js';
import { resetForNewTrace, useApp, type RunConfig, type RunStatusView, type TracedRunConfig } from './store/app.js';
import { attachTrace, clearTrace, ingest, loaded, type TraceSlot } from './store/traces.js';
import { indexOffThread } from './derived/offthread.js';
import { recordingPath, simPath, type ViewState } from './url.js';

const connections: Partial<Record<TraceSlot, LiveConnection>> = {};

function message(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

function afterIngest(slot: TraceSlot): void {
  ingest(slot);
  const app = useApp.getState();
  const main = loaded('main');
  const cmp = loaded('compare');
  const end = Math.max(main?.index.endTime ?? 0, cmp?.index.endTime ?? 0);
  app.advanceEnd(end);
  app.bump(slot);
}

function closeConnection(slot: TraceSlot): void {
  connections[slot]?.close();
  delete connections[slot];
}

function connect(slot: TraceSlot, runId: string, trace: Trace): void {
  closeConnection(slot);
  const app = useApp.getState;
  connections[slot] = new LiveConnection(runId, trace, {
    onHello: (run) => {
      if (slot !== 'main') return;
      app().setConnection(run.state === 'paused' ? 'paused' : 'live');
      // The strategy in effect, before the first status message arrives.
      if (run.strategy && typeof run.strategy === 'object') app().setStrategy(run.strategy as Record<string, unknown>);
    },
    onStatus: (s) => {
      const status: RunStatusView = { state: s.state, reason: s.reason, simTimeNs: s.simTimeNs, events: s.events, speed: s.speed, strategy: s.strategy };
      if (slot === 'main') {
        app().setStatus(status);
        if (status.reason === 'event-limit' && !app().truncated) app().setTruncated({ events: status.events, simTimeNs: status.simTimeNs });
        if (status.strategy) app().setStrategy(status.strategy);
        app().setConnection(status.state === 'paused' ? 'paused' : status.state === 'running' ? 'live' : 'done');
      } else {
        app().setCompare({ status: status.state === 'running' || status.state === 'paused' ? 'running' : 'done' });
      }
    },
    onError: (msg, field) => {
      const text = field ? `${msg} (${field})` : msg;
      if (slot === 'main') useApp.setState({ error: text });
      else app().setCompare({ status: 'error', error: text });
    },
    onEvents: () => afterIngest(slot),
    onClose: (clean, reason) => {
      afterIngest(slot);
      if (slot === 'main') {
        const c = app().connection;
        if (c === 'live' || c === 'paused' || c === 'connecting') app().setConnection(clean ? 'done' : 'error', clean ? null : `the run's stream closed${reason ? `: ${reason}` : ''}`);
      } else if (app().compare.status === 'running') {
        app().setCompare({ status: 'done' });
      }
    },
  });
}

export async function startRun(config: RunConfig, speed: number | 'max', view: ViewState = {}): Promise<void> {
  await openLiveRun(() => createRun(config, speed), { config }, simPath(config, {}), view);
}

/** Starts the simulation a `/s?...` link describes; a link the server refuses gets a page saying why. */
export async function startRunFromLink(config: RunConfig, view: ViewState): Promise<void> {
  try {
    await createRunChecked(config);
  } catch (error) {
    useApp.getState().setProblem({ title: 'This simulation link is not valid', message: message(error) });
    return;
  }
  await startRun(config, 10, view);
}

/** Asks the server whether it would accept the configuration (it validates a share link as it would a run). */
async function createRunChecked(config: RunConfig): Promise<void> {
  const res = await fetch(simPath(config, {}), { headers: { accept: 'application/json' } });
  if (!res.ok) throw await errorFrom(res);
}

/**
 * Starts a run of this host's real libvirtd under the recorder and opens it like a simulated run
 * (same stream, views, share and downloads; no strategy, no compare, no re-run link).
 */
export async function startTracedRun(traced: TracedRunConfig): Promise<void> {
  // The configuration the server keeps for it (the workload in place of a scenario).
  const config: RunConfig = { scenario: traced.workload, params: { domains: traced.domains }, preset: '', set: {}, seed: 0 };
  await openLiveRun(() => createTracedRun(traced.workload, traced.domains), { config, traced }, '/', {});
}

/** Creates a run on the server, then opens it in the main slot and follows its stream. */
async function openLiveRun(
  create: () => Promise<{ id: string }>,
  what: { config: RunConfig; traced?: TracedRunConfig },
  path: string,
  view: ViewState,
): Promise<void> {
  const app = useApp.getState();
  closeConnection('main');
  closeConnection('compare');
  clearTrace('compare');
  app.stopCompare();
  resetForNewTrace();
  app.setConnection('connecting');
  try {
    const { id } = await create();
    const entry = attachTrace('main', new Trace(1 << 16));
    app.setSource({ kind: 'live', runId: id, ...what });
    applyView(view);
    connect('main', id, entry.trace);
    history.replaceState(null, '', path);
  } catch (error) {
    app.setConnection('error', `the run could not start: ${message(error)}`);
  }
}

function applyView(view: ViewState): void {
  const app = useApp.getState();
  if (view.t0 !== undefined && view.t1 !== undefined) {
    useApp.setState({ window: { t0: view.t0, t1: view.t1 }, follow: false });
  }
  if (view.sel !== undefined) app.select(view.sel);
  if (view.r0 !== undefined && view.r1 !== undefined) app.setRange({ t0: view.r0, t1: view.r1 });
}

export function control(message: ControlMessage): boolean {
  const sent = connections.main?.send(message) ?? false;
  if (sent && (message.type === 'set' || message.type === 'preset')) {
    useApp.getState().noteSent(message.type === 'set' ? `${message.knob}=${message.value}` : `preset ${message.name}`);
  }
  return sent;
}

export async function stopCurrentRun(): Promise<void> {
  const src = useApp.getState().source;
  if (src.kind === 'live') await stopRun(src.runId);
}

export async function openRecording(id: string, view: ViewState = {}): Promise<void> {
  const app = useApp.getState();
  closeConnection('main');
  closeConnection('compare');
  clearTrace('compare');
  app.stopCompare();
  resetForNewTrace();
  app.setConnection('loading');
  const source = { kind: 'recording', id } as const;
  app.setSource(source);
  // Another recording or a run opened while this one loads (a big one takes seconds) wins.
  const superseded = (): boolean => useApp.getState().source !== source;
  try {
    const [trace, info] = await Promise.all([fetchRecording(id), getRecordingInfo(id).catch(() => null)]);
    const index = await indexOffThread(trace);
    if (superseded()) return;
    // (a big recording's statistics come back from a worker after the first draw)
    attachTrace('main', trace, () => useApp.getState().bump('main'), index);
    const end = loaded('main')?.index.endTime ?? 0;
    useApp.setState({ end, window: { t0: 0, t1: Math.max(end, 1000) }, follow: false });
    app.setSource({ kind: 'recording', id, name: info?.title ?? id });
    const strategy = (info?.config as { strategy?: Record<string, unknown> } | null)?.strategy;
    if (strategy) app.setStrategy(strategy);
    // Cut at the event limit: said by the recording's configuration (and by the file's meta).
    const cut = info?.config?.truncated ?? (trace.meta as { truncated?: { events?: number } }).truncated;
    if (cut) app.setTruncated({ events: Number(cut.events ?? trace.length), simTimeNs: Number(info?.config?.simTimeNs ?? end) });
    applyView(view);
    app.bump('main');
    app.setConnection('done');
    history.replaceState(null, '', recordingPath(id, view));
  } catch (error) {
    if (superseded()) return;
    clearTrace('main');
    app.setSource({ kind: 'none' });
    app.setConnection('idle');
    const missing = error instanceof ApiError && error.status === 404;
    app.setProblem({
      title: missing ? 'No such recording' : 'The recording could not be opened',
      message: missing ? `There is no recording ${id} on this server: the link may be mistyped, or the recording was deleted.` : `Recording ${id}: ${message(error)}`,
    });
  }
}

export interface UploadProgress {
  (fraction: number): void;
}

/** Uploads a file; on success opens the stored recording. Throws with the server's message. */
export async function uploadAndOpen(file: File, onProgress: UploadProgress): Promise<void> {
  const { id, warnings } = await uploadRecording(file, file.name, onProgress);
  await openRecording(id);
  // A trace from another recorder was repaired on import: say what was changed.
  if (warnings.length > 0 && useApp.getState().connection === 'done') {
    useApp.getState().setConnection('done', `opened with repairs: ${warnings.map((w) => `${w.count} x ${w.kind} (e.g. ${w.examples[0] ?? ''})`).join('; ')}`);
  }
}

/** Starts the same workload and seed under another strategy, streamed into the compare slot. */
export async function startCompare(preset: string, set: Record<string, string | number>): Promise<void> {
  const app = useApp.getState();
  const src = app.source;
  if (src.kind !== 'live' || src.traced) return;
  closeConnection('compare');
  app.setCompare({ status: 'running', preset, set, error: undefined });
  try {
    const config: RunConfig = { ...src.config, preset, set };
    const { id } = await createRun(config, 'max');
    const entry = attachTrace('compare', new Trace(1 << 16));
    app.setCompare({ runId: id });
    app.bump('compare');
    connect('compare', id, entry.trace);
  } catch (error) {
    app.setCompare({ status: 'error', error: message(error) });
  }
}

export function endCompare(): void {
  closeConnection('compare');
  clearTrace('compare');
  useApp.getState().stopCompare();
  useApp.getState().bump('compare');
}

/** The view part of a share URL: the visible window and the selection. */
export function currentView(): ViewState {
  const s = useApp.getState();
  const view: ViewState = { t0: s.window.t0, t1: s.window.t1 };
  if (s.selected >= 0) view.sel = s.selected;
  if (s.range) {
    view.r0 = s.range.t0;
    view.r1 = s.range.t1;
  }
  return view;
}

/**
 * Records the current run (or reuses the open recording) and returns its absolute share URL
 * carrying the view.
 */
export async function shareUrl(): Promise<string> {
  const s = useApp.getState();
  let id: string;
  if (s.source.kind === 'live') id = (await recordRun(s.source.runId)).id;
  else if (s.source.kind === 'recording') id = s.source.id;
  else throw new Error('nothing to share yet: start a run or open a recording');
  return new URL(recordingPath(id, currentView()), location.href).toString();
}

/** A URL that re-runs the simulation (not a replay): scenario, params, strategy, seed, view. None for a traced run. */
export function rerunUrl(): string | null {
  const s = useApp.getState();
  if (s.source.kind !== 'live' || s.source.traced) return null;
  return new URL(simPath(s.source.config, currentView()), location.href).toString();
}

export function goHome(): void {
  closeConnection('main');
  closeConnection('compare');
  clearTrace('main');
  clearTrace('compare');
  resetForNewTrace();
  useApp.getState().stopCompare();
  useApp.getState().setSource({ kind: 'none' });
  useApp.getState().setConnection('idle');
  useApp.getState().setProblem(null);
  useApp.getState().bump('main');
  history.replaceState(null, '', '/');
}
