import { describe, expect, it } from 'vitest';
import { COST_TABLES, Costs, type CostName } from './costs.js';
import { Rng } from '@lockscope/trace';

describe('cost table', () => {
  it('gives every number a source of a known kind', () => {
    for (const [profile, table] of Object.entries(COST_TABLES)) {
      for (const [name, cost] of Object.entries(table)) {
        expect(cost.source, `${profile}.${name}`).toMatch(/^(S|D|A|F|S\/A|S\/D|S\/F|D\/F): \S/);
        expect(cost.ms, `${profile}.${name}`).toBeGreaterThan(0);
        expect(cost.jitter).toBeGreaterThanOrEqual(0);
        expect(cost.jitter).toBeLessThan(1);
      }
    }
  });

  it('draws jitter within its bounds, from the seed', () => {
    const draw = (seed: number, name: CostName): number[] => {
      const costs = new Costs(COST_TABLES['host-2013'], new Rng(seed));
      return Array.from({ length: 200 }, () => costs.ns(name));
    };
    const a = draw(1, 'aaLoadProfile');
    const e = COST_TABLES['host-2013'].aaLoadProfile;
    for (const x of a) {
      expect(x).toBeGreaterThanOrEqual(Math.floor(e.ms * (1 - e.jitter) * 1e6));
      expect(x).toBeLessThanOrEqual(Math.ceil(e.ms * (1 + e.jitter) * 1e6));
    }
    expect(new Set(a).size).toBeGreaterThan(150);
    expect(draw(1, 'aaLoadProfile')).toEqual(a);
    expect(draw(2, 'aaLoadProfile')).not.toEqual(a);
    // No jitter: always the table's value.
    expect(new Set(draw(3, 'monitorPoll'))).toEqual(new Set([200e6]));
  });
});
