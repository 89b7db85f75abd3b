import { resolveConfig } from '@lockscope/sim';
import { describe, expect, it } from 'vitest';
import { SimulationSource } from './sim-source.js';

describe('SimulationSource', () => {
  it('advances to fractional targets without spinning, and never beyond them', () => {
    const source = new SimulationSource(resolveConfig({ scenario: 'fleet', params: { domains: 50 } }));
    let target = 0;
    for (let i = 0; i < 200; i++) {
      target += 50e6 * 1.000001 + 0.37; // 50 ms ticks of a fractional speed
      source.advance(target, 100_000);
      expect(source.now).toBeLessThanOrEqual(target);
      const t = source.trace;
      if (t.length > 0) expect(t.time[t.length - 1]).toBeLessThanOrEqual(target);
    }
    expect(source.now).toBeGreaterThan(target - 1e6);
    expect(source.trace.length).toBeGreaterThan(0);
  });

  it('stops after about maxEvents at an unbounded target', () => {
    const source = new SimulationSource(resolveConfig({ scenario: 'fleet', params: { domains: 200 } }));
    source.advance(Infinity, 10_000);
    expect(source.trace.length).toBeGreaterThanOrEqual(10_000);
    expect(source.trace.length).toBeLessThan(40_000);
  });

  it('after a quiet paced stretch, an unbounded target still stops after about maxEvents', () => {
    const source = new SimulationSource(resolveConfig({ scenario: 'fleet', params: { domains: 100, durationS: 86400, pollIntervalS: 60 } }));
    for (let t = 1; t <= 600; t++) source.advance(t * 1e9, 1e9); // ten quiet minutes, second by second
    const base = source.trace.length;
    source.advance(Infinity, 5000);
    expect(source.trace.length - base).toBeGreaterThanOrEqual(5000);
    expect(source.trace.length - base).toBeLessThan(5000 + 20_000);
  });

  it('turns a refused knob into a ControlError naming the field', () => {
    const source = new SimulationSource(resolveConfig({ scenario: 'create-storm' }));
    expect(() => source.change({ knob: 'list.lock', value: 'spinlock' })).toThrow(expect.objectContaining({ name: 'ControlError', field: 'set.list.lock' }));
    source.change({ knob: 'list.lock', value: 'rwlock' });
    expect(source.strategy()['list.lock']).toBe('rwlock');
  });
});
