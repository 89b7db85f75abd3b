import { describe, expect, it } from 'vitest';
import { ConfigError, applyChange, knobs, presets, resolveConfig, scenarios } from './index.js';

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('resolveConfig', () => {
  it('fills every parameter and knob from defaults and the 2013 preset', () => {
    const c = resolveConfig({ scenario: 'create-storm' });
    expect(c.params).toEqual({ domains: 20, spreadMs: 10, createXML: 0, sharedConnection: 1 });
    expect(c.preset).toBe('libvirt-2013');
    expect(c.strategy).toEqual(presets.find((p) => p.name === 'libvirt-2013')?.knobs);
    expect(c.seed).toBe(1);
  });

  it('applies knobs on top of a preset and parses integers given as strings', () => {
    const c = resolveConfig({
      scenario: 'fleet',
      preset: 'feiner-both',
      params: { domains: '300', durationS: 60 },
      set: { workers: '5', 'list.lock': 'rwlock' },
      seed: '42',
    });
    expect(c.params.domains).toBe(300);
    expect(c.params.durationS).toBe(60);
    expect(c.strategy.workers).toBe(5);
    expect(c.strategy['list.lock']).toBe('rwlock');
    expect(c.strategy['security.lock']).toBe('domain');
    expect(c.strategy['list.lookup']).toBe('name-copy');
    expect(c.seed).toBe(42);
  });

  it('names the offending input', () => {
    expect(errorOf(() => resolveConfig({ scenario: 'nope' })).field).toBe('scenario');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', preset: 'libvirt-1999' })).field).toBe('preset');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', params: { domains: 0 } })).field).toBe('params.domains');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', params: { domains: '2.5' } })).field).toBe('params.domains');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', params: { vms: 3 } })).field).toBe('params.vms');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', set: { 'list.lock': 'spinlock' } })).field).toBe('set.list.lock');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', set: { workers: 'many' } })).field).toBe('set.workers');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', set: { workers: 1000 } })).field).toBe('set.workers');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', set: { colour: 'red' } })).field).toBe('set.colour');
    expect(errorOf(() => resolveConfig({ scenario: 'create-storm', seed: -1 })).field).toBe('seed');
  });

  it('describes every knob and preset consistently', () => {
    const names = knobs.map((k) => k.name);
    for (const p of presets) expect(Object.keys(p.knobs).sort()).toEqual([...names].sort());
    for (const k of knobs) {
      for (const p of presets) {
        const v = p.knobs[k.name];
        if (k.values) expect(k.values).toContain(v);
        else expect(v).toBeGreaterThanOrEqual(k.min ?? 0);
      }
    }
    for (const s of scenarios) {
      expect(s.params.some((p) => p.name === 'domains')).toBe(true);
      for (const p of s.params) expect(p.default).toBeGreaterThanOrEqual(p.min);
    }
  });
});

describe('applyChange', () => {
  const base = resolveConfig({ scenario: 'create-storm' }).strategy;

  it('takes a knob map, a preset, or one knob as the stream protocol sends it', () => {
    expect(applyChange(base, { 'security.lock': 'domain', workers: 5 })).toMatchObject({
      strategy: { 'security.lock': 'domain', workers: 5 },
      description: 'security.lock=domain workers=5',
    });
    expect(applyChange(base, { preset: 'libvirt-9.0' }).strategy).toEqual(presets.find((p) => p.name === 'libvirt-9.0')?.knobs);
    expect(applyChange(base, { knob: 'list.lookup', value: 'name-copy' })).toEqual({
      strategy: { ...base, 'list.lookup': 'name-copy' },
      description: 'list.lookup=name-copy',
    });
  });

  it('names the bad input and leaves the base alone', () => {
    expect(errorOf(() => applyChange(base, { knob: 'no.such.knob', value: 1 })).field).toBe('set.no.such.knob');
    expect(errorOf(() => applyChange(base, { knob: 'security.lock', value: 'nowhere' })).field).toBe('set.security.lock');
    expect(errorOf(() => applyChange(base, { preset: 'libvirt-1999' })).field).toBe('preset');
    expect(base['security.lock']).toBe('manager');
  });
});
