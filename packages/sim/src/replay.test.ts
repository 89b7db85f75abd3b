import { computeStats, validateTrace } from '@lockscope/trace';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from './config.js';
import { extractCalls, replayCalls, strategyMapper } from './replay.js';
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

  it('a per-domain security lock removes the security wait of a 2013 storm', () => {
    const { trace, config } = simulate('create-storm', 'libvirt-2013', { domains: 12 });
    const calls = extractCalls(trace);
    const target = { ...config.strategy, 'security.lock': 'domain' as const };
    const { trace: whatif, stuck } = replayCalls(calls, strategyMapper(config.strategy, target));
    expect(stuck).toBe(0);
    expect(validateTrace(whatif)).toEqual({ ok: true });
    const before = computeStats(trace);
    const after = computeStats(whatif);
    const sm = before.classes.find((c) => c.class === 'security-manager');
    expect(sm?.wait.total).toBeGreaterThan(0);
    expect(after.classes.find((c) => c.class === 'security-manager')).toBeUndefined();
    expect(after.makespan).toBeLessThan(before.makespan);
  });
});
