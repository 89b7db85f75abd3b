import { describe, expect, it } from 'vitest';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { StatsAccumulator } from '@lockscope/trace';
import { DashboardStats } from './stats.js';
import { TimelineIndex } from './timelineIndex.js';

// The dashboard's figures must agree with the trace package's on a simulated libvirt run.
describe('DashboardStats against @lockscope/trace StatsAccumulator', () => {
  it('gives the same per-lock and per-API figures for the 2013 creation storm', () => {
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', seed: 5 }));
    sim.runToEnd();
    const ix = new TimelineIndex(sim.trace);
    const mine = new DashboardStats(ix);
    ix.update();
    mine.update();
    const a = mine.snapshot();
    const ref = new StatsAccumulator();
    ref.update(sim.trace);
    const b = ref.snapshot();
    for (const lock of b.locks) {
      const row = a.locks.find((l) => l.name === lock.name && l.lockClass === lock.class && Number(l.key) === lock.lock);
      if (lock.acquisitions === 0) continue;
      expect(row, lock.name).toBeDefined();
      expect(row!.acquisitions, lock.name).toBe(lock.acquisitions);
      expect(row!.contended, lock.name).toBe(lock.contended);
      expect(row!.waitTotal, lock.name).toBeCloseTo(lock.wait.total, 0);
      expect(row!.holdTotal, lock.name).toBeCloseTo(lock.hold.total, 0);
    }
    for (const api of b.apiCalls) {
      const row = a.apis.find((x) => x.name === api.label);
      expect(row, api.label).toBeDefined();
      expect(row!.count).toBe(api.count);
      expect(row!.p50).toBe(api.latency.p50);
      expect(row!.p95).toBe(api.latency.p95);
    }
    expect(a.makespan).toBeGreaterThan(0);
  });
});
