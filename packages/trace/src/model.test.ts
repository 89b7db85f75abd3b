import { describe, expect, it } from 'vitest';
import { decodeBinaryTrace, encodeTrace } from './binary.js';
import { BYTES_PER_EVENT, Trace, traceFromTransfer, traceTransfer } from './model.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';

describe('Trace columns', () => {
  it('cost at most 32 bytes per event once compacted, decoded traces included', () => {
    const trace = randomValidTrace(mulberry32(1), { events: 100_000 });
    trace.compact();
    expect(trace.columnBytes / trace.length).toBeLessThanOrEqual(32);
    const back = decodeBinaryTrace(encodeTrace(trace));
    expect(back.columnBytes / back.length).toBeLessThanOrEqual(32);
    expect(BYTES_PER_EVENT).toBeLessThanOrEqual(32);
  });

  it('appendLabels keeps ids equal to positions and interning consistent', () => {
    const t = new Trace();
    t.label('a');
    t.appendLabels(['b', 'a', 'c']);
    expect(t.labels).toEqual(['a', 'b', 'a', 'c']);
    expect(t.label('a')).toBe(0);
    expect(t.label('c')).toBe(3);
    expect(t.label('d')).toBe(4);
  });

  it('reserve makes room without losing events', () => {
    const t = randomValidTrace(mulberry32(2), { events: 50 });
    const before = [...t.events()];
    t.reserve(10_000);
    expect(t.capacity).toBeGreaterThanOrEqual(10_050);
    expect([...t.events()]).toEqual(before);
  });
});

describe('traceTransfer', () => {
  it('carries a trace to another thread as plain data, its columns moved, and back whole', () => {
    const t = new Trace();
    const w = t.addThread('worker-1', 'worker');
    const l = t.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
    t.beginSpan(1, w, 'api', 'virDomainCreateXML', 'vm-1');
    t.request(2, w, l);
    t.acquired(3, w, l);
    t.mark(4, 'strategy');
    const before = Array.from({ length: t.length }, (_, i) => t.event(i));
    const { data, transfer } = traceTransfer(t);
    // What postMessage does with a transfer list: a structured clone, the buffers moved.
    const moved = structuredClone(data, { transfer });
    expect(t.time.byteLength).toBe(0);
    const back = traceFromTransfer(moved);
    expect(Array.from({ length: back.length }, (_, i) => back.event(i))).toEqual(before);
    expect(back.label('virDomainCreateXML')).toBe(t.labels.indexOf('virDomainCreateXML'));
  });

  it('shares a trace on shared columns: nothing moved or copied, both sides read the same memory, and it stays shared as it grows', () => {
    const t = new Trace(16, true);
    const w = t.addThread('worker-1', 'worker');
    const l = t.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex' });
    // Past its first capacity: grown columns are shared too.
    for (let i = 0; i < 20; i++) t.request(i, w, l);
    expect(t.shared).toBe(true);
    for (const c of [t.time, t.thread, t.kind, t.ref, t.mode, t.arg]) expect(c.buffer).toBeInstanceOf(SharedArrayBuffer);
    for (const copy of [false, true]) {
      const { data, transfer } = traceTransfer(t, copy);
      expect(transfer).toEqual([]);
      const there = traceFromTransfer(structuredClone(data));
      expect(there.shared).toBe(true);
      expect(there.length).toBe(20);
      // (what one side writes, the other reads)
      t.time[19] = 1000 + Number(copy);
      expect(there.time[19]).toBe(1000 + Number(copy));
    }
  });

  it('sends a copy and keeps the trace whole when asked to', () => {
    const t = randomValidTrace(mulberry32(3), { events: 100 });
    const before = Array.from({ length: t.length }, (_, i) => t.event(i));
    const { data, transfer } = traceTransfer(t, true);
    const back = traceFromTransfer(structuredClone(data, { transfer }));
    expect(Array.from({ length: t.length }, (_, i) => t.event(i))).toEqual(before);
    expect(Array.from({ length: back.length }, (_, i) => back.event(i))).toEqual(before);
  });
});
