import { computeStats, validateTrace } from '@lockscope/trace';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { extractCalls, replayCalls, strategyMapper, unmodelledKnobs } from './replay.js';
import { createSimulation } from './simulation.js';

function simulate(scenario: string, preset: string, params: Record<string, number>) {
  const config = resolveConfig({ scenario, preset, params, seed: 5 });
  const sim = createSimulation(config);
  sim.runToEnd();
  return { trace: sim.trace, config };
}

describe('replay of a simulated trace', () => {
  for (const [scenario, preset, params] of [
    ['create-storm', 'libvirt-2013', { domains: 12 }],
    ['create-storm', 'libvirt-9.0', { domains: 12 }],
    ['define-during-storm', 'libvirt-2013', { domains: 8 }],
    ['lifecycle', 'libvirt-9.0', { domains: 6 }],
  ] as const) {
    it(`comes within 1 % of the makespan: ${scenario} under ${preset}`, () => {
      const { trace } = simulate(scenario, preset, params);
      const { trace: replay, stuck } = replayCalls(extractCalls(trace));
      expect(stuck).toBe(0);
      expect(validateTrace(replay)).toEqual({ ok: true });
      const a = computeStats(trace);
      const b = computeStats(replay);
      expect(Math.abs(b.makespan - a.makespan) / a.makespan).toBeLessThan(0.01);
      expect(b.apiCalls.map((c) => [c.label, c.count])).toEqual(a.apiCalls.map((c) => [c.label, c.count]));
    });
  }

  it('re-simulated with per-domain security locks and a name copy, a 2013 storm comes near the simulator\'s own run of that preset', () => {
    const { trace, config } = simulate('create-storm', 'libvirt-2013', { domains: 12 });
    const target = simulate('create-storm', 'feiner-both', { domains: 12 });
    const { trace: whatif, stuck } = replayCalls(extractCalls(trace), strategyMapper(config.strategy, target.config.strategy));
    expect(stuck).toBe(0);
    expect(validateTrace(whatif)).toEqual({ ok: true });
    const before = computeStats(trace);
    const after = computeStats(whatif);
    const sim = computeStats(target.trace);
    expect(before.classes.find((c) => c.class === 'security-manager')?.wait.total).toBeGreaterThan(0);
    expect(after.classes.find((c) => c.class === 'security-manager')).toBeUndefined();
    expect(after.apiMakespan).toBeLessThan(before.apiMakespan);
    // the replay keeps the traced durations (no CPU sharing, the 2013 scan's cost): near, not equal
    expect(Math.abs(after.apiMakespan - sim.apiMakespan) / sim.apiMakespan).toBeLessThan(0.1);
    const p50 = (s: typeof sim, api: string) => s.apiCalls.find((c) => c.label === api)?.latency.p50 ?? NaN;
    expect(Math.abs(p50(after, 'virDomainCreateWithFlags') - p50(sim, 'virDomainCreateWithFlags')) / p50(sim, 'virDomainCreateWithFlags')).toBeLessThan(0.15);
  });

  it('maps only what it can: durations, the code path and a return to locking every object are not modelled', () => {
    const { config } = simulate('create-storm', 'libvirt-9.0', { domains: 1 });
    const old = resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013' }).strategy;
    expect(unmodelledKnobs(config.strategy, config.strategy)).toEqual([]);
    expect(unmodelledKnobs(config.strategy, old)).toEqual(expect.arrayContaining(['code', 'list.lookup']));
    expect(unmodelledKnobs(old, { ...old, 'list.lookup': 'name-hash', 'security.lock': 'domain', 'list.lock': 'rwlock' })).toEqual([]);
  });
});
