// UI state in small zustand slices. Event data is not here (see traces.ts): only the version
// counters that tell the canvas to redraw after new events were ingested.

import { create, type StateCreator } from 'zustand';
import type { TraceSlot } from './traces.js';
import type { RunStatus } from '@lockscope/trace/protocol';
import { clampWindow, followWindow, panWindow, zoomWindow, type TimeWindow } from './viewMath.js';

// ---- run / connection ----

export type Source =
  | { kind: 'none' }
  | { kind: 'live'; runId: string; config: RunConfig; traced?: TracedRunConfig }
  | { kind: 'recording'; id: string; name?: string }
  | { kind: 'file'; name: string };

/** A run of this host's real libvirtd under the recorder: no strategy, no seed, real time. */
export interface TracedRunConfig {
  workload: string;
  domains: number;
}

/** What a simulated run is made of; also what a /s share URL carries. */
export interface RunConfig {
  scenario: string;
  params: Record<string, number>;
  preset: string;
  set: Record<string, string | number>;
  seed: number;
}

export type Connection = 'idle' | 'loading' | 'connecting' | 'live' | 'paused' | 'done' | 'error';

/** What the dashboard keeps of the server's last `status` message. */
export type RunStatusView = Pick<RunStatus, 'state' | 'reason' | 'simTimeNs' | 'events' | 'speed' | 'strategy'>;

export interface RunSlice {
  source: Source;
  connection: Connection;
  error: string | null;
  status: RunStatusView | null;
  versions: Record<TraceSlot, number>;
  /** What the page cannot show (an unknown link or path), shown instead of the dashboard. */
  problem: { title: string; message: string } | null;
  setProblem(p: { title: string; message: string } | null): void;
  /** The run stopped at the server's event limit: the trace is incomplete. */
  truncated: { events: number; simTimeNs: number } | null;
  setTruncated(t: { events: number; simTimeNs: number } | null): void;
  setSource(source: Source): void;
  setConnection(connection: Connection, error?: string | null): void;
  setStatus(status: RunStatusView): void;
  /** Called after events were ingested into a slot: the canvas and statistics redraw. */
  bump(slot: TraceSlot): void;
}

// ---- view window ----

export interface ViewSlice {
  /** The side panel is shown (it folds away for a wider timeline). */
  sideOpen: boolean;
  toggleSide(): void;
  window: TimeWindow;
  /** Keep the newest events in view (live runs), until the user pans or zooms away. */
  follow: boolean;
  /** Trace end time the window is clamped to. */
  end: number;
  setWindow(w: TimeWindow): void;
  zoomAt(at: number, factor: number): void;
  pan(fraction: number): void;
  setFollow(follow: boolean): void;
  /** New events arrived up to `end`: extend bounds and, when following, slide the window. */
  advanceEnd(end: number): void;
}

// ---- time range selection (drag with Shift, or along the axis) ----

export interface RangeSlice {
  /** Selected time range (ns) the statistics are restricted to, or null for the whole trace. */
  range: TimeWindow | null;
  setRange(range: TimeWindow | null): void;
}

// ---- lanes: pinned, collapsed, reordered, idle ones shown ----

export interface LanesSlice {
  lanes: { showIdle: boolean; collapsed: ReadonlySet<string>; pinned: readonly string[]; order: readonly string[] };
  toggleIdle(): void;
  /** Folds or unfolds a group of lanes (key `slot:label`). */
  toggleGroup(key: string): void;
  /** Pins a thread's lane at the top, or unpins it. */
  togglePin(name: string): void;
  /** Moves a lane one place up (-1) or down (1) among `siblings` (its group, in drawn order). */
  moveLane(name: string, step: -1 | 1, siblings: readonly string[]): void;
}

// ---- selection / hover / search ----

export interface Hover {
  slot: TraceSlot;
  interval: number;
  x: number;
  y: number;
  /** The lane under the pointer (`lock:<name>`, `thread:<name>`). */
  lane?: string;
}

export interface SelectionSlice {
  /** Selected interval id in the main trace, or -1. */
  selected: number;
  hover: Hover | null;
  search: string;
  /** Intervals of the main trace matching the search (set by the timeline once it searched). */
  searchMatches: number;
  /** Position of the current match (Enter / Shift+Enter), or -1 before the first step. */
  matchCursor: number;
  select(interval: number): void;
  setHover(hover: Hover | null): void;
  setSearch(search: string): void;
  setSearchMatches(n: number): void;
  /** Moves the current match by `step` (1 next, -1 previous), wrapping around. */
  stepMatch(step: 1 | -1): void;
}

// ---- strategy ----

export interface StrategySlice {
  /** Knob -> value in effect, as the run reports it. */
  strategy: Record<string, unknown>;
  /** Changes sent from this page, newest last (feedback until the run's mark arrives). */
  sent: string[];
  setStrategy(strategy: Record<string, unknown>): void;
  noteSent(label: string): void;
}

// ---- compare ----

export interface CompareSlice {
  compare: { status: 'off' | 'running' | 'done' | 'error'; preset: string; set: Record<string, string | number>; runId?: string; error?: string };
  setCompare(c: Partial<CompareSlice['compare']>): void;
  stopCompare(): void;
}

export type AppState = RunSlice & ViewSlice & RangeSlice & LanesSlice & SelectionSlice & StrategySlice & CompareSlice;

const INITIAL_WINDOW: TimeWindow = { t0: 0, t1: 1e9 };

export const createRunSlice: StateCreator<AppState, [], [], RunSlice> = (set) => ({
  source: { kind: 'none' },
  connection: 'idle',
  error: null,
  status: null,
  versions: { main: 0, compare: 0 },
  problem: null,
  setProblem: (problem) => set({ problem }),
  truncated: null,
  setTruncated: (truncated) => set({ truncated }),
  setSource: (source) => set({ source }),
  setConnection: (connection, error = null) => set({ connection, error }),
  setStatus: (status) => set({ status }),
  bump: (slot) => set((s) => ({ versions: { ...s.versions, [slot]: s.versions[slot] + 1 } })),
});

export const createViewSlice: StateCreator<AppState, [], [], ViewSlice> = (set, get) => ({
  sideOpen: true,
  toggleSide: () => set((s) => ({ sideOpen: !s.sideOpen })),
  window: INITIAL_WINDOW,
  follow: true,
  end: 0,
  setWindow: (w) => set({ window: clampWindow(w, get().end), follow: false }),
  zoomAt: (at, factor) => set((s) => ({ window: zoomWindow(s.window, at, factor, s.end), follow: false })),
  pan: (fraction) => set((s) => ({ window: panWindow(s.window, fraction, s.end), follow: false })),
  setFollow: (follow) => set((s) => ({ follow, window: follow ? followWindow(s.window, s.end) : s.window })),
  advanceEnd: (end) =>
    set((s) => {
      if (end <= s.end) return {};
      return { end, window: s.follow ? followWindow(s.window, end) : s.window };
    }),
});

export const createRangeSlice: StateCreator<AppState, [], [], RangeSlice> = (set) => ({
  range: null,
  setRange: (range) => set({ range: range && range.t1 > range.t0 ? range : null }),
});

export const createLanesSlice: StateCreator<AppState, [], [], LanesSlice> = (set) => ({
  lanes: { showIdle: false, collapsed: new Set(), pinned: [], order: [] },
  toggleIdle: () => set((s) => ({ lanes: { ...s.lanes, showIdle: !s.lanes.showIdle } })),
  toggleGroup: (key) =>
    set((s) => {
      const collapsed = new Set(s.lanes.collapsed);
      if (!collapsed.delete(key)) collapsed.add(key);
      return { lanes: { ...s.lanes, collapsed } };
    }),
  togglePin: (name) =>
    set((s) => ({ lanes: { ...s.lanes, pinned: s.lanes.pinned.includes(name) ? s.lanes.pinned.filter((n) => n !== name) : [...s.lanes.pinned, name] } })),
  moveLane: (name, step, siblings) =>
    set((s) => {
      const list = [...siblings];
      const i = list.indexOf(name);
      const j = i + step;
      if (i < 0 || j < 0 || j >= list.length) return {};
      [list[i], list[j]] = [list[j], list[i]];
      // The group's new order first; other groups' orders are kept after it (groups never mix).
      const order = [...list, ...s.lanes.order.filter((n) => !list.includes(n))];
      return { lanes: { ...s.lanes, order } };
    }),
});

export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set) => ({
  selected: -1,
  hover: null,
  search: '',
  searchMatches: 0,
  matchCursor: -1,
  select: (selected) => set({ selected }),
  setHover: (hover) => set({ hover }),
  setSearch: (search) => set({ search, matchCursor: -1, searchMatches: 0 }),
  setSearchMatches: (searchMatches) => set((s) => (s.searchMatches === searchMatches ? {} : { searchMatches, matchCursor: Math.min(s.matchCursor, searchMatches - 1) })),
  stepMatch: (step) =>
    set((s) => {
      const n = s.searchMatches;
      if (n === 0) return {};
      const cur = s.matchCursor < 0 ? (step === 1 ? -1 : 0) : s.matchCursor;
      return { matchCursor: (((cur + step) % n) + n) % n };
    }),
});

export const createStrategySlice: StateCreator<AppState, [], [], StrategySlice> = (set) => ({
  strategy: {},
  sent: [],
  setStrategy: (strategy) => set({ strategy }),
  noteSent: (label) => set((s) => ({ sent: [...s.sent, label] })),
});

export const createCompareSlice: StateCreator<AppState, [], [], CompareSlice> = (set) => ({
  compare: { status: 'off', preset: '', set: {} },
  setCompare: (c) => set((s) => ({ compare: { ...s.compare, ...c } })),
  stopCompare: () => set({ compare: { status: 'off', preset: '', set: {} } }),
});

export function createAppStore() {
  return create<AppState>()((...a) => ({
    ...createRunSlice(...a),
    ...createViewSlice(...a),
    ...createRangeSlice(...a),
    ...createLanesSlice(...a),
    ...createSelectionSlice(...a),
    ...createStrategySlice(...a),
    ...createCompareSlice(...a),
  }));
}

/** The application's store. */
export const useApp = createAppStore();

/** Resets everything that belongs to one opened trace (a new run or recording). */
export function resetForNewTrace(store = useApp): void {
  store.setState({
    window: INITIAL_WINDOW,
    follow: true,
    end: 0,
    selected: -1,
    hover: null,
    range: null,
    matchCursor: -1,
    truncated: null,
    status: null,
    strategy: {},
    sent: [],
    error: null,
  });
}
