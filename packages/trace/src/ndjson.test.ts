import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Trace, TraceError } from './model.js';
import { fromNdjson, toNdjson, toNdjsonChunks } from './ndjson.js';
import { traceData } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

describe('NDJSON', () => {
  it('round-trips random traces exactly, fractional times included', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 400 }), fc.boolean(), (s, n, fractional) => {
        const trace = randomValidTrace(mulberry32(s), { events: n, fractionalTimes: fractional });
        const text = toNdjson(trace);
        expect(traceData(fromNdjson(text))).toEqual(traceData(trace));
        expect(traceData(fromNdjson(new TextEncoder().encode(text)))).toEqual(traceData(trace));
        expect([...toNdjsonChunks(trace)].join('')).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('starts with the header and has one event per line', () => {
    const trace = randomValidTrace(mulberry32(1), { events: 10 });
    const lines = toNdjson(trace).trim().split('\n');
    expect(JSON.parse(lines[0])).toMatchObject({ type: 'header', format: 'lockscope-ndjson', version: 1 });
    expect(lines.filter((l) => !('type' in JSON.parse(l)))).toHaveLength(10);
    expect(JSON.parse(lines[lines.length - 1])).toEqual({ type: 'end', events: 10 });
  });

  it('fails on any truncation with a TraceError', () => {
    const text = toNdjson(randomValidTrace(mulberry32(2), { events: 60 }));
    fc.assert(
      fc.property(fc.nat(text.length - 2), (len) => {
        // A cut right after the end line's closing brace is the whole file.
        fc.pre(text.slice(0, len).trimEnd() !== text.trimEnd());
        expect(() => fromNdjson(text.slice(0, len))).toThrow(TraceError);
      }),
      { numRuns: 300 },
    );
  });

  it('names the line of a malformed event', () => {
    const trace = randomValidTrace(mulberry32(3), { events: 20 });
    const lines = toNdjson(trace).split('\n');
    const firstEvent = lines.findIndex((l) => l.includes('"lock.request"'));
    const bad = (mutate: (o: Record<string, unknown>) => void) => {
      const copy = [...lines];
      const o = JSON.parse(copy[firstEvent]) as Record<string, unknown>;
      mutate(o);
      copy[firstEvent] = JSON.stringify(o);
      return () => fromNdjson(copy.join('\n'));
    };
    const where = new RegExp(`line ${firstEvent + 1}`);
    expect(bad((o) => (o.thread = 99))).toThrow(where);
    expect(bad((o) => (o.kind = 'lock.stolen'))).toThrow(where);
    expect(bad((o) => (o.t = 'soon'))).toThrow(where);
    expect(bad((o) => (o.mode = 'both'))).toThrow(TraceError);
    expect(() => fromNdjson('')).toThrow(/no header/);
    expect(() => fromNdjson('{"type":"header","format":"lockscope-ndjson","version":9}\n')).toThrow(/version/);
    expect(() => fromNdjson(new Uint8Array([0xff, 0xfe]))).toThrow(/UTF-8/);
  });

  it('fails only with TraceError when fields hold values of any JSON type', () => {
    const lines = toNdjson(randomValidTrace(mulberry32(4), { events: 40 })).trim().split('\n');
    const keys = ['type', 'format', 'version', 'meta', 'id', 'name', 'role', 'class', 'kind', 'subject', 'from', 'labels', 't', 'thread', 'lock', 'mode', 'spanKind', 'label', 'events'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.constantFrom(...keys), fc.jsonValue()), { minLength: 1, maxLength: 3 }), (edits) => {
        const copy = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
        for (const [k, key, value] of edits) copy[k % copy.length][key] = value;
        try {
          fromNdjson(copy.map((o) => JSON.stringify(o)).join('\n'));
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
        }
      }),
      { numRuns: 400 },
    );
  });

  it('reads an empty trace', () => {
    const t = new Trace();
    t.meta = { note: 'nothing happened' };
    expect(traceData(fromNdjson(toNdjson(t)))).toEqual(traceData(t));
  });
});
