import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BinaryFileReader, BinaryFileWriter, encodeTrace } from './binary.js';
import { toChromeJson } from './chrome.js';
import { BinaryToTextConverter, TraceImporter } from './convert-stream.js';
import { decodeBinaryTrace } from './binary.js';
import { traceData } from './test-helpers.js';
import { TraceError } from './model.js';
import { Trace } from './model.js';
import { toNdjson } from './ndjson.js';
import { mulberry32 } from './rng.js';
import { randomValidTrace } from './testing.js';

/** `bytes` cut at `cuts` (positions, any order). */
function split(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(bytes.subarray(prev, c));
    prev = c;
  }
  return out;
}

const cuts = fc.array(fc.nat(), { maxLength: 12 });

describe('streaming conversion of binary traces', () => {
  it('gives the very same Chrome JSON and NDJSON as the whole-trace encoders, however the file is cut', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 600 }), cuts, fc.integer({ min: 1, max: 64 }), (s, n, c, perFrame) => {
        const trace = randomValidTrace(mulberry32(s), { events: n });
        const file = encodeTrace(trace, perFrame);
        for (const format of ['chrome', 'ndjson'] as const) {
          const conv = new BinaryToTextConverter(format);
          let text = '';
          for (const chunk of split(file, c)) text += conv.push(chunk).join('');
          text += conv.finish().join('');
          const whole = format === 'chrome' ? toChromeJson(trace) : toNdjson(trace);
          if (format === 'ndjson') expect(text).toBe(whole);
          else expect(JSON.parse(text)).toEqual(JSON.parse(whole));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('reads a file in windows and writes it back identical, dropping the events of each window', () => {
    const trace = randomValidTrace(mulberry32(5), { events: 5000 });
    const file = encodeTrace(trace, 300);
    const reader = new BinaryFileReader();
    const writer = new BinaryFileWriter();
    const parts: Uint8Array[] = [writer.header()];
    let maxHeld = 0;
    for (const chunk of split(file, Array.from({ length: 40 }, (_, i) => i * 997))) {
      reader.push(chunk);
      maxHeld = Math.max(maxHeld, reader.trace.length);
      for (const f of writer.frames(reader.trace, reader.dropped, 300)) parts.push(f);
      reader.drop();
    }
    reader.finish();
    parts.push(...writer.end(reader.trace, reader.dropped));
    expect(maxHeld).toBeLessThan(2000);
    expect(Buffer.concat(parts).equals(Buffer.from(file))).toBe(true);
  });

  it('writes an empty trace as encodeTrace does', () => {
    const trace = new Trace();
    trace.addThread('w', 'worker');
    const writer = new BinaryFileWriter();
    const parts = [writer.header(), ...writer.frames(trace), ...writer.end(trace)];
    expect(Buffer.concat(parts).equals(Buffer.from(encodeTrace(trace)))).toBe(true);
  });

  it('refuses a truncated file, a file with bytes after its end, and a wrong count', () => {
    const trace = randomValidTrace(mulberry32(9), { events: 300 });
    const file = encodeTrace(trace, 50);
    for (const cut of [0, 5, 9, 100, file.length - 8, file.length - 1]) {
      const conv = new BinaryToTextConverter('ndjson');
      expect(() => {
        conv.push(file.subarray(0, cut));
        conv.finish();
      }).toThrow(/truncated|empty|no trace/);
    }
    const reader = new BinaryFileReader();
    reader.push(file);
    expect(() => reader.push(new Uint8Array([1]))).toThrow(/after the end record/);
    const wrong = file.slice();
    new DataView(wrong.buffer).setUint32(wrong.length - 4, 301, true);
    const r2 = new BinaryFileReader();
    r2.push(wrong);
    expect(() => r2.finish()).toThrow(/counts 301/);
  });

  it('imports each format pushed in chunks into the same binary trace, validated on the way', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 400 }), cuts, (s, n, c) => {
        const trace = randomValidTrace(mulberry32(s), { events: n });
        const inputs = { binary: encodeTrace(trace, 37), ndjson: new TextEncoder().encode(toNdjson(trace)), chrome: new TextEncoder().encode(toChromeJson(trace)) };
        for (const [format, bytes] of Object.entries(inputs)) {
          const importer = new TraceImporter();
          const out: Uint8Array[] = [];
          for (const chunk of split(bytes, c)) out.push(...importer.push(chunk));
          const { chunks, summary } = importer.finish();
          out.push(...chunks);
          expect(summary).toMatchObject({ format, events: n, warnings: [] });
          expect(traceData(decodeBinaryTrace(Buffer.concat(out)))).toEqual(traceData(trace));
        }
      }),
      { numRuns: 40 },
    );
  });

  it('refuses an invalid trace with the index of its first offending event, even past the first window', () => {
    const trace = randomValidTrace(mulberry32(3), { events: 3000 });
    const w = trace.addThread('late', 'worker');
    trace.released(trace.endTime + 1, w, 0);
    const importer = new TraceImporter();
    const bytes = encodeTrace(trace, 100);
    let error: unknown;
    try {
      for (const chunk of split(bytes, Array.from({ length: 20 }, (_, i) => i * 1013))) importer.push(chunk);
      importer.finish();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TraceError);
    expect((error as TraceError).eventIndex).toBe(3000);
  });
});
