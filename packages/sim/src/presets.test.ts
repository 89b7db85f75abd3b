// Each preset against what the 2013 thread and libvirt's later history say the change bought
// (docs/fidelity.md §2). A strategy toggle is only worth showing if it predicts the right
// direction and rough size through the right lock.
import { describe, expect, it } from 'vitest';
import { computeStats } from '@lockscope/trace';
import { createSimulation, resolveConfig, type ConfigInput } from './index.js';
import { apiCalls, median } from './test-util.js';

const SEEDS = [1, 2, 3, 7, 1234];

interface Figures {
  stormS: number;
  topClass: string;
}

function storm(input: Omit<ConfigInput, 'scenario'>): Figures {
  const sim = createSimulation(resolveConfig({ scenario: 'create-storm', ...input }));
  expect(sim.runToEnd()).toBe(true);
  const stats = computeStats(sim.trace);
  const [top] = [...stats.classes].sort((a, b) => b.wait.total - a.wait.total);
  const end = Math.max(...apiCalls(sim.trace).filter((c) => c.api === 'virDomainCreateWithFlags').map((c) => c.end));
  return { stormS: end / 1e9, topClass: top.wait.total > 0 ? top.class : 'none' };
}

function defineP50Ms(input: Omit<ConfigInput, 'scenario'>): number {
  const sim = createSimulation(resolveConfig({ scenario: 'define-during-storm', ...input }));
  expect(sim.runToEnd()).toBe(true);
  return median(apiCalls(sim.trace).filter((c) => c.api === 'virDomainDefineXML').map((c) => (c.end - c.start) / 1e6));
}

describe.each(SEEDS)('presets against the mechanism (seed %i)', (seed) => {
  const base = storm({ preset: 'libvirt-2013', seed });
  const noAppArmor = storm({ preset: 'libvirt-2013', set: { 'security.drivers': 'dac' }, seed });

  it('feiner-security: per-domain security locking recovers most of what disabling AppArmor buys', () => {
    const s = storm({ preset: 'feiner-security', seed });
    const gain = base.stormS - s.stormS;
    expect(gain).toBeGreaterThan(0.6 * (base.stormS - noAppArmor.stormS));
    // The AppArmor work itself remains (in parallel): not faster than without AppArmor at all.
    expect(s.stormS).toBeGreaterThanOrEqual(noAppArmor.stormS * 0.97);
    expect(s.topClass).not.toBe('security-manager');
  });

  it('feiner-name-copy: the name copy alone buys the storm almost nothing; the security manager stays where it waits', () => {
    const s = storm({ preset: 'feiner-name-copy', seed });
    expect(Math.abs(base.stormS - s.stormS)).toBeLessThan(0.05 * base.stormS);
    expect(s.topClass).toBe('security-manager');
  });

  it('the name copy makes DefineXML fast whatever the security locking; per-domain security alone does not', () => {
    expect(defineP50Ms({ preset: 'feiner-name-copy', seed })).toBeLessThan(99);
    expect(defineP50Ms({ preset: 'feiner-both', seed })).toBeLessThan(99);
    expect(defineP50Ms({ preset: 'libvirt-2013', seed })).toBeGreaterThan(1000);
  });

  it('libvirt-9.0: the name hash keeps DefineXML fast, the global security lock with more AppArmor work keeps the storm slow', () => {
    const s = storm({ preset: 'libvirt-9.0', seed });
    expect(s.stormS).toBeGreaterThan(base.stormS);
    expect(s.topClass).toBe('security-manager');
    expect(defineP50Ms({ preset: 'libvirt-9.0', seed })).toBeLessThan(99);
  });
});
