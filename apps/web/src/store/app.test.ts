import { describe, expect, it } from 'vitest';
import { createAppStore, resetForNewTrace } from './app.js';
import { clampWindow, followWindow, MIN_SPAN, panWindow, zoomWindow } from './viewMath.js';

describe('view window arithmetic', () => {
  it('zooms about a point, keeping that time under the cursor', () => {
    const w = zoomWindow({ t0: 0, t1: 1000 }, 250, 2, 10_000);
    expect(w).toEqual({ t0: 125, t1: 625 });
  });

  it('never zooms narrower than MIN_SPAN nor pans before 0 or after the end', () => {
    expect(zoomWindow({ t0: 0, t1: 1000 }, 500, 1e9, 10_000).t1 - zoomWindow({ t0: 0, t1: 1000 }, 500, 1e9, 10_000).t0).toBe(MIN_SPAN);
    expect(panWindow({ t0: 100, t1: 600 }, -1, 10_000)).toEqual({ t0: 0, t1: 500 });
    expect(panWindow({ t0: 9000, t1: 9500 }, 2, 10_000)).toEqual({ t0: 9500, t1: 10_000 });
    expect(clampWindow({ t0: -50, t1: 1e9 }, 2000)).toEqual({ t0: 0, t1: 2000 });
  });

  it('follows the newest events: a window from 0 grows, any other slides with its width', () => {
    expect(followWindow({ t0: 0, t1: 100 }, 1000)).toEqual({ t0: 0, t1: 1000 });
    expect(followWindow({ t0: 50, t1: 150 }, 1000)).toEqual({ t0: 900, t1: 1000 });
    expect(followWindow({ t0: 50, t1: 5050 }, 1000)).toEqual({ t0: 0, t1: 5000 });
  });
});

describe('app store', () => {
  it('keeps following live events until the user pans, then stays put', () => {
    const store = createAppStore();
    store.getState().advanceEnd(2000);
    expect(store.getState().window).toEqual({ t0: 0, t1: 2000 }); // the whole run while it grows
    store.getState().setWindow({ t0: 1000, t1: 2000 });
    store.getState().setFollow(true);
    store.getState().advanceEnd(5000);
    expect(store.getState().window).toEqual({ t0: 4000, t1: 5000 });
    store.getState().pan(-0.5);
    expect(store.getState().follow).toBe(false);
    const held = store.getState().window;
    store.getState().advanceEnd(9000);
    expect(store.getState().window).toEqual(held);
    store.getState().setFollow(true);
    expect(store.getState().window).toEqual({ t0: 8000, t1: 9000 });
  });

  it('bumps one slot version without touching the other', () => {
    const store = createAppStore();
    store.getState().bump('main');
    store.getState().bump('main');
    store.getState().bump('compare');
    expect(store.getState().versions).toEqual({ main: 2, compare: 1 });
  });

  it('resets selection and window for a new trace but keeps the versions moving', () => {
    const store = createAppStore();
    store.getState().select(42);
    store.getState().bump('main');
    store.getState().advanceEnd(100);
    resetForNewTrace(store);
    expect(store.getState().selected).toBe(-1);
    expect(store.getState().end).toBe(0);
    expect(store.getState().follow).toBe(true);
    expect(store.getState().versions.main).toBe(1);
  });

  it('merges compare settings and clears them on stop', () => {
    const store = createAppStore();
    store.getState().setCompare({ status: 'running', preset: 'today', runId: 'abc' });
    expect(store.getState().compare).toMatchObject({ status: 'running', preset: 'today', runId: 'abc' });
    store.getState().stopCompare();
    expect(store.getState().compare.status).toBe('off');
  });

  it('steps through the search matches both ways, wrapping around', () => {
    const store = createAppStore();
    store.getState().setSearch('vm-05');
    store.getState().setSearchMatches(3);
    const steps: number[] = [];
    for (const step of [1, 1, 1, 1, -1, -1] as const) {
      store.getState().stepMatch(step);
      steps.push(store.getState().matchCursor);
    }
    expect(steps).toEqual([0, 1, 2, 0, 2, 1]);
    store.getState().setSearch('vm-06');
    expect(store.getState().matchCursor).toBe(-1);
    store.getState().stepMatch(-1);
    expect(store.getState().matchCursor).toBe(-1); // no matches counted yet for the new search
  });

  it('keeps a time range only when it is not empty, and forgets it with the trace', () => {
    const store = createAppStore();
    store.getState().setRange({ t0: 5, t1: 5 });
    expect(store.getState().range).toBeNull();
    store.getState().setRange({ t0: 5, t1: 9 });
    expect(store.getState().range).toEqual({ t0: 5, t1: 9 });
    resetForNewTrace(store);
    expect(store.getState().range).toBeNull();
  });

  it('pins, folds and reorders lanes', () => {
    const store = createAppStore();
    const st = () => store.getState();
    st().togglePin('worker-03');
    st().togglePin('worker-01');
    expect(st().lanes.pinned).toEqual(['worker-03', 'worker-01']);
    st().togglePin('worker-03');
    expect(st().lanes.pinned).toEqual(['worker-01']);
    st().toggleGroup('main:Clients');
    expect(st().lanes.collapsed.has('main:Clients')).toBe(true);
    st().toggleGroup('main:Clients');
    expect(st().lanes.collapsed.has('main:Clients')).toBe(false);
    st().moveLane('w2', -1, ['w1', 'w2', 'w3']);
    expect(st().lanes.order).toEqual(['w2', 'w1', 'w3']);
    st().moveLane('w2', -1, st().lanes.order.slice(0, 3));
    expect(st().lanes.order).toEqual(['w2', 'w1', 'w3']); // already first
    st().moveLane('w1', 1, ['w2', 'w1', 'w3']);
    expect(st().lanes.order).toEqual(['w2', 'w3', 'w1']);
  });
});
