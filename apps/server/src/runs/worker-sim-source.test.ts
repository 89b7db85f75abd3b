import { createSimulation, resolveConfig } from '@lockscope/sim';
import { EventKind, validateTrace } from '@lockscope/trace';
import { describe, expect, it } from 'vitest';
import { WorkerSimulationSource } from './worker-sim-source.js';

function waitFor(source: WorkerSimulationSource, test: () => boolean, timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
    const check = (): void => {
      if (test()) {
        clearTimeout(timer);
        resolve();
      }
    };
    source.onData = check;
    check();
  });
}

describe('WorkerSimulationSource', () => {
  it('produces in its thread the same trace as the simulator in this one', async () => {
    const config = resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 5 }, seed: 4 });
    const source = new WorkerSimulationSource(config);
    try {
      source.advance(Infinity, 1e9);
      await waitFor(source, () => source.done);
      const reference = createSimulation(config);
      reference.runToEnd();
      const t = source.trace;
      expect(t.length).toBe(reference.trace.length);
      expect(Array.from(t.time.subarray(0, t.length))).toEqual(Array.from(reference.trace.time.subarray(0, t.length)));
      expect(Array.from(t.ref.subarray(0, t.length))).toEqual(Array.from(reference.trace.ref.subarray(0, t.length)));
      expect(t.threads).toEqual(reference.trace.threads);
      expect(t.locks).toEqual(reference.trace.locks);
      expect(t.labels).toEqual(reference.trace.labels);
      expect(validateTrace(t)).toEqual({ ok: true });
    } finally {
      source.stop();
    }
  });

  it('stops at the simulated time and the event allowance it was given', async () => {
    const source = new WorkerSimulationSource(resolveConfig({ scenario: 'fleet', params: { domains: 100, durationS: 86400, pollIntervalS: 1 } }));
    try {
      source.advance(3e9, 1e9);
      await waitFor(source, () => source.now >= 3e9);
      expect(source.trace.time[source.trace.length - 1]).toBeLessThanOrEqual(3e9);
      const base = source.trace.length;
      await new Promise((r) => setTimeout(r, 200));
      expect(source.trace.length).toBe(base); // nothing beyond the time asked for
      source.advance(Infinity, 5000);
      await waitFor(source, () => source.trace.length >= base + 5000);
      await new Promise((r) => setTimeout(r, 200));
      // The allowance, give or take the simulator's last slice.
      expect(source.trace.length).toBeLessThan(base + 5000 + 40_000);
    } finally {
      source.stop();
    }
  });

  it('validates a change at once and applies it in the worker as a mark', async () => {
    const source = new WorkerSimulationSource(resolveConfig({ scenario: 'create-storm', params: { domains: 4 } }));
    try {
      expect(() => source.change({ knob: 'list.lock', value: 'spinlock' })).toThrow(expect.objectContaining({ name: 'ControlError', field: 'set.list.lock' }));
      expect(() => source.change({ preset: 'libvirt-1999' })).toThrow(expect.objectContaining({ field: 'preset' }));
      source.change({ knob: 'security.lock', value: 'domain' });
      expect(source.strategy()['security.lock']).toBe('domain');
      source.advance(Infinity, 1e9);
      await waitFor(source, () => source.done);
      const t = source.trace;
      const marks = [];
      for (let i = 0; i < t.length; i++) if (t.kind[i] === EventKind.Mark) marks.push(t.labels[t.ref[i]]);
      expect(marks.some((m) => m.includes('security.lock=domain'))).toBe(true);
      expect(source.strategy()['security.lock']).toBe('domain');
    } finally {
      source.stop();
    }
  });
});
