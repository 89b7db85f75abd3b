import { describe, expect, it } from 'vitest';
import { parseRoute, recordingPath, simPath } from './url.js';

describe('share URLs', () => {
  it('round-trips a recording with its view', () => {
    const path = recordingPath('Ab3_x-9', { t0: 1000, t1: 2_000_000, sel: 17 });
    const u = new URL(path, 'http://x');
    expect(parseRoute(u.pathname, u.search)).toEqual({ kind: 'recording', id: 'Ab3_x-9', view: { t0: 1000, t1: 2_000_000, sel: 17 } });
  });

  it('round-trips a simulation config (knobs, params, seed)', () => {
    const config = { scenario: 'burst', params: { domains: 20 }, preset: 'baseline-2013', set: { 'security.scope': 'per-domain', workers: 5 }, seed: 42 };
    const u = new URL(simPath(config, { t0: 0, t1: 5e9 }), 'http://x');
    const route = parseRoute(u.pathname, u.search);
    expect(route).toEqual({ kind: 'sim', config, view: { t0: 0, t1: 5e9 } });
  });

  it('ignores a bad view and falls back home on a bad id or missing scenario', () => {
    expect(parseRoute('/r/abc', '?t0=5&t1=2&sel=-1')).toEqual({ kind: 'recording', id: 'abc', view: {} });
    expect(parseRoute('/r/..%2F..', '')).toEqual({ kind: 'not-found', path: '/r/..%2F..' });
    expect(parseRoute('/no/such/page', '')).toEqual({ kind: 'not-found', path: '/no/such/page' });
    expect(parseRoute('/s', '?preset=x')).toEqual({ kind: 'home' });
    expect(parseRoute('/', '')).toEqual({ kind: 'home' });
  });

  it('carries a selected time range, and drops an empty one', () => {
    const u = new URL(recordingPath('abc', { t0: 0, t1: 9e9, r0: 1e9, r1: 2.5e9 }), 'http://x');
    expect(parseRoute(u.pathname, u.search)).toEqual({ kind: 'recording', id: 'abc', view: { t0: 0, t1: 9e9, r0: 1e9, r1: 2.5e9 } });
    expect(parseRoute('/r/abc', '?r0=5&r1=5')).toEqual({ kind: 'recording', id: 'abc', view: {} });
  });
});
