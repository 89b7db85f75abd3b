import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FILE_HEADER_BYTES, FrameDecoder, FrameEncoder, decodeBinaryTrace, encodeTrace } from './binary.js';
import { Trace, TraceError } from './model.js';
import { traceData } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';
import { validateTrace } from './validate.js';

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function emptyLike(): Trace {
  return new Trace();
}

describe('binary file format', () => {
  it('round-trips random traces exactly', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 300 }), (s, n, perFrame) => {
        const trace = randomValidTrace(mulberry32(s), { events: n });
        const back = decodeBinaryTrace(encodeTrace(trace, perFrame));
        expect(traceData(back)).toEqual(traceData(trace));
        expect(validateTrace(back)).toEqual({ ok: true });
      }),
      { numRuns: 150 },
    );
  });

  it('decodes onto shared columns when asked, the same events', () => {
    const trace = randomValidTrace(mulberry32(8), { events: 500 });
    const back = decodeBinaryTrace(encodeTrace(trace), { shared: true });
    expect(back.shared).toBe(true);
    expect(back.time.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(traceData(back)).toEqual(traceData(trace));
  });

  it('refuses a frame size below one event', () => {
    const trace = randomValidTrace(mulberry32(6), { events: 10 });
    expect(() => encodeTrace(trace, 0)).toThrow(TraceError);
    expect(() => encodeTrace(trace, Number.NaN)).toThrow(TraceError);
  });

  it('rounds fractional times to integer ns', () => {
    const trace = randomValidTrace(mulberry32(7), { events: 300, fractionalTimes: true });
    const back = decodeBinaryTrace(encodeTrace(trace));
    for (let i = 0; i < trace.length; i++) expect(back.time[i]).toBe(Math.round(trace.time[i]));
  });

  it('keeps large times and ids exact', () => {
    const trace = new Trace();
    for (let i = 0; i < 300; i++) trace.addThread(`t${i}`, 'worker');
    for (let i = 0; i < 20000; i++) trace.label(`label ${i} é ✓`);
    trace.addLock({ name: 'ł', class: 'other', kind: 'mutex' });
    trace.mark(2 ** 50, 'label 19999 é ✓', 299);
    trace.mark(2 ** 50 + 3, 'late', 0);
    const back = decodeBinaryTrace(encodeTrace(trace));
    expect(traceData(back)).toEqual(traceData(trace));
  });

  it('fails on every truncation with a TraceError', () => {
    const bytes = encodeTrace(randomValidTrace(mulberry32(3), { events: 400 }), 100);
    for (let len = 0; len < bytes.length; len++) {
      expect(() => decodeBinaryTrace(bytes.subarray(0, len)), `length ${len}`).toThrow(TraceError);
    }
  });

  it('fails on any corrupted byte with a TraceError', () => {
    const bytes = encodeTrace(randomValidTrace(mulberry32(4), { events: 300 }), 64);
    fc.assert(
      fc.property(fc.nat(bytes.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = bytes.slice();
        bad[at] ^= x;
        expect(() => decodeBinaryTrace(bad)).toThrow(TraceError);
      }),
      { numRuns: 300 },
    );
  });

  it('costs well under 16 bytes per event', () => {
    const trace = randomValidTrace(mulberry32(5), { events: 50000, maxStep: 200_000 });
    const perEvent = (encodeTrace(trace).length - FILE_HEADER_BYTES) / trace.length;
    expect(perEvent).toBeLessThan(16);
  });
});

describe('frames', () => {
  it('stream a growing trace: dictionary additions and event ranges arrive in order', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 8 }), (s, cuts) => {
        const full = randomValidTrace(mulberry32(s), { events: 400 });
        const encoder = new FrameEncoder();
        const decoder = new FrameDecoder();
        const into = emptyLike();
        for (const cut of [...cuts].sort((a, b) => a - b).concat(full.length)) {
          decoder.decode(encoder.encode(full, encoder.position, Math.max(encoder.position, Math.min(cut, full.length))), into);
        }
        expect(traceData(into)).toEqual(traceData(full));
      }),
      { numRuns: 100 },
    );
  });

  it('sends dictionary entries added between frames, and meta when it changes', () => {
    const trace = new Trace();
    trace.meta = { scenario: 'burst' };
    const a = trace.addThread('w1', 'worker');
    const encoder = new FrameEncoder();
    const decoder = new FrameDecoder();
    const into = new Trace();
    decoder.decode(encoder.encode(trace), into);
    const l = trace.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
    trace.request(10, a, l);
    trace.acquired(12, a, l);
    trace.meta = { scenario: 'burst', strategy: 'rwlock' };
    decoder.decode(encoder.encode(trace), into);
    expect(traceData(into)).toEqual(traceData(trace));
  });

  it('rejects a lost or repeated frame and appends nothing', () => {
    const trace = randomValidTrace(mulberry32(9), { events: 300 });
    const encoder = new FrameEncoder();
    const f1 = encoder.encode(trace, 0, 100);
    const f2 = encoder.encode(trace, 100, 200);
    const decoder = new FrameDecoder();
    const into = new Trace();
    expect(() => decoder.decode(f2, into)).toThrow(/lost or repeated/);
    expect(traceData(into)).toEqual(traceData(new Trace()));
    decoder.decode(f1, into);
    const before = traceData(into);
    expect(() => decoder.decode(f1, into)).toThrow(TraceError);
    expect(traceData(into)).toEqual(before);
  });

  it('a truncated or corrupted frame appends nothing', () => {
    const trace = randomValidTrace(mulberry32(11), { events: 300 });
    const encoder = new FrameEncoder();
    const f1 = encoder.encode(trace, 0, 150);
    const f2 = encoder.encode(trace, 150, 300);
    const decoder = new FrameDecoder();
    const into = new Trace();
    decoder.decode(f1, into);
    const before = traceData(into);
    fc.assert(
      fc.property(fc.nat(f2.length - 1), fc.integer({ min: 1, max: 255 }), fc.boolean(), (at, x, truncate) => {
        const bad = truncate ? f2.subarray(0, at) : f2.slice();
        if (!truncate) bad[at] ^= x;
        expect(() => decoder.decode(bad, into)).toThrow(TraceError);
        expect(into.length).toBe(150);
      }),
      { numRuns: 200 },
    );
    expect(traceData(into)).toEqual(before);
    decoder.decode(f2, into);
    expect(traceData(into)).toEqual(traceData(trace));
  });
});
