import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTrace } from './binary.js';
import { toChromeJson } from './chrome.js';
import { UnsupportedFormatError, decodeAny, decodeWithFormat, detectFormat } from './detect.js';
import { TraceError } from './model.js';
import { toNdjson } from './ndjson.js';
import { traceData } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('detectFormat / decodeAny', () => {
  it('recognises and decodes each format', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (s) => {
        const trace = randomValidTrace(mulberry32(s), { events: 150 });
        const files = { binary: encodeTrace(trace), ndjson: utf8(toNdjson(trace)), chrome: utf8(toChromeJson(trace)) };
        for (const [format, bytes] of Object.entries(files)) {
          expect(detectFormat(bytes)).toBe(format);
          const got = decodeWithFormat(bytes, { validate: true });
          expect(got.format).toBe(format);
          expect(traceData(got.trace)).toEqual(traceData(trace));
        }
      }),
      { numRuns: 30 },
    );
  });

  it('reads a bare array of Chrome events and leading whitespace', () => {
    expect(detectFormat(utf8('  \n[{"ph":"i","ts":1,"pid":1,"tid":1,"name":"x"}]'))).toBe('chrome');
    expect(decodeAny(utf8('\ufeff[]')).length).toBe(0);
  });

  it('tells unknown content from malformed content', () => {
    expect(() => detectFormat(utf8('hello'))).toThrow(UnsupportedFormatError);
    expect(() => detectFormat(new Uint8Array([0x1f, 0x8b, 8, 0]))).toThrow(/gzip/);
    expect(() => decodeAny(new Uint8Array())).toThrow(TraceError);
    const bin = encodeTrace(randomValidTrace(mulberry32(1), { events: 50 }));
    expect(() => decodeAny(bin.subarray(0, bin.length - 3))).toThrow(TraceError);
    const nd = toNdjson(randomValidTrace(mulberry32(1), { events: 50 }));
    expect(() => decodeAny(utf8(nd.slice(0, nd.length / 2)))).toThrow(TraceError);
  });

  it('validates on request', () => {
    const trace = randomValidTrace(mulberry32(2), { events: 50 });
    trace.released(trace.endTime, 0, 0);
    trace.released(trace.endTime, 0, 0);
    expect(() => decodeAny(encodeTrace(trace), { validate: true })).toThrow(TraceError);
    expect(decodeAny(encodeTrace(trace)).length).toBe(trace.length);
  });
});

describe('decodeAny on hostile input', () => {
  const trace = randomValidTrace(mulberry32(12), { events: 120 });
  const files = [encodeTrace(trace, 40), utf8(toNdjson(trace)), utf8(toChromeJson(trace))];

  /** Decoding either works or fails with one of our two error classes, never anything else. */
  function decodesOrFailsCleanly(bytes: Uint8Array): void {
    try {
      decodeAny(bytes);
    } catch (e) {
      if (!(e instanceof TraceError || e instanceof UnsupportedFormatError)) throw e;
    }
  }

  it('survives random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => decodesOrFailsCleanly(bytes)), { numRuns: 500 });
  });

  it('survives mutations of valid files of every format', () => {
    fc.assert(
      fc.property(fc.nat(2), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }), (which, edits) => {
        const bytes = files[which].slice();
        for (const [at, v] of edits) bytes[at % bytes.length] = v;
        decodesOrFailsCleanly(bytes);
      }),
      { numRuns: 1000 },
    );
  });
});
