// Share URLs. `/r/:id` opens a recording, `/s?scenario=..&preset=..&set.<knob>=..&param.<name>=..
// &seed=..` re-runs a simulation; both may carry the view: `t0`, `t1` (visible window, ns) and
// `sel` (the selected interval), `r0`, `r1` (a selected time range).

import type { RunConfig } from './store/app.js';

export interface ViewState {
  t0?: number;
  t1?: number;
  sel?: number;
  /** Selected time range (statistics restricted to it). */
  r0?: number;
  r1?: number;
}

export type Route =
  | { kind: 'home' }
  /** A path the app does not have (or a malformed share link). */
  | { kind: 'not-found'; path: string }
  | { kind: 'recording'; id: string; view: ViewState }
  | { kind: 'sim'; config: Partial<RunConfig> & { scenario: string }; view: ViewState };

const ID = /^[A-Za-z0-9_-]{1,128}$/;

function num(v: string | null): number | undefined {
  if (v === null || v.trim() === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function parseView(q: URLSearchParams): ViewState {
  const view: ViewState = {};
  const t0 = num(q.get('t0'));
  const t1 = num(q.get('t1'));
  if (t0 !== undefined && t1 !== undefined && t1 > t0 && t0 >= 0) {
    view.t0 = t0;
    view.t1 = t1;
  }
  const r0 = num(q.get('r0'));
  const r1 = num(q.get('r1'));
  if (r0 !== undefined && r1 !== undefined && r1 > r0 && r0 >= 0) {
    view.r0 = r0;
    view.r1 = r1;
  }
  const sel = num(q.get('sel'));
  if (sel !== undefined && Number.isInteger(sel) && sel >= 0) view.sel = sel;
  return view;
}

export function parseRoute(pathname: string, search: string): Route {
  const q = new URLSearchParams(search);
  const rec = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (rec) {
    const id = decodeURIComponent(rec[1]);
    if (ID.test(id)) return { kind: 'recording', id, view: parseView(q) };
    return { kind: 'not-found', path: pathname };
  }
  if (/^\/s\/?$/.test(pathname)) {
    const scenario = q.get('scenario');
    if (!scenario) return { kind: 'home' };
    const config: Partial<RunConfig> & { scenario: string } = { scenario, params: {}, set: {} };
    const preset = q.get('preset');
    if (preset) config.preset = preset;
    const seed = num(q.get('seed'));
    if (seed !== undefined) config.seed = seed;
    for (const [k, v] of q) {
      if (k.startsWith('set.')) {
        const n = num(v);
        config.set![k.slice(4)] = n === undefined ? v : n;
      } else if (k.startsWith('param.')) {
        const n = num(v);
        if (n !== undefined) config.params![k.slice(6)] = n;
      }
    }
    return { kind: 'sim', config, view: parseView(q) };
  }
  if (pathname === '/' || pathname === '/index.html' || pathname === '') return { kind: 'home' };
  return { kind: 'not-found', path: pathname };
}

function appendView(q: URLSearchParams, view: ViewState): void {
  if (view.t0 !== undefined && view.t1 !== undefined) {
    // Exact values: the same window must give the same pixels in another browser.
    q.set('t0', String(view.t0));
    q.set('t1', String(view.t1));
  }
  if (view.sel !== undefined && view.sel >= 0) q.set('sel', String(view.sel));
  if (view.r0 !== undefined && view.r1 !== undefined) {
    q.set('r0', String(view.r0));
    q.set('r1', String(view.r1));
  }
}

export function recordingPath(id: string, view: ViewState = {}): string {
  const q = new URLSearchParams();
  appendView(q, view);
  const s = q.toString();
  return `/r/${encodeURIComponent(id)}${s ? `?${s}` : ''}`;
}

export function simPath(config: RunConfig, view: ViewState = {}): string {
  const q = new URLSearchParams();
  q.set('scenario', config.scenario);
  if (config.preset) q.set('preset', config.preset);
  for (const [k, v] of Object.entries(config.set)) q.set(`set.${k}`, String(v));
  for (const [k, v] of Object.entries(config.params)) q.set(`param.${k}`, String(v));
  q.set('seed', String(config.seed));
  appendView(q, view);
  return `/s?${q.toString()}`;
}
