import { describe, expect, it } from 'vitest';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { LOCK_CLASSES, computeStats } from '@lockscope/trace';
import { DashboardStats } from './stats.js';
import { TimelineIndex } from './timelineIndex.js';

// The figures are StatsAccumulator's: this only checks the adapter's mapping into rows.
describe('DashboardStats adapter', () => {
  it('maps a finished simulated run into rows: every lock taken, every API call with its sorted latencies', () => {
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', seed: 5 }));
    sim.runToEnd();
    const ix = new TimelineIndex(sim.trace);
    const stats = new DashboardStats(ix);
    ix.update();
    stats.update();
    const s = stats.snapshot();
    const ref = computeStats(sim.trace);
    expect(s.locks.length).toBe(ref.locks.filter((l) => l.acquisitions > 0).length);
    for (const l of ref.locks) {
      const r = s.locks.find((x) => x.key === String(l.lock));
      if (l.acquisitions === 0) continue;
      expect(r).toMatchObject({ name: l.name, acquisitions: l.acquisitions, contended: l.contended, waitTotal: l.wait.total, waitP95: l.waitContended.p95, holdTotal: l.hold.total });
    }
    expect(s.apis.map((a) => a.name)).toEqual(ref.apiCalls.map((a) => a.label).sort((a, b) => a.localeCompare(b)));
    for (const a of ref.apiCalls) {
      const r = s.apis.find((x) => x.name === a.label)!;
      expect(r).toMatchObject({ count: a.count, p50: a.latency.p50, p95: a.latency.p95, max: a.latency.max });
      expect(r.latencies.length).toBe(a.count);
      expect(r.latencies[r.latencies.length - 1]).toBe(a.latency.max);
      expect(r.waitByClass).toEqual(LOCK_CLASSES.map((c) => a.waitByClass[c] ?? 0));
    }
    expect(s.makespan).toBe(ref.apiMakespan);
    expect(s.makespan).toBeGreaterThan(0);
    expect(s.intervals).toBe(ix.size);
  });
});
