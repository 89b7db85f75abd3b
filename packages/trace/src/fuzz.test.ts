// Hostile input for the three codecs through the streaming importer and the exporters: whatever
// the bytes and however they are cut, the only failures are TraceError (malformed / invalid)
// and UnsupportedFormatError, and what is accepted is valid and converts back.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeTrace } from './binary.js';
import { toChromeJson } from './chrome.js';
import { BinaryToTextConverter, TraceImporter } from './convert-stream.js';
import { UnsupportedFormatError } from './detect.js';
import { TraceError } from './model.js';
import { toNdjson } from './ndjson.js';
import { mulberry32 } from './rng.js';
import { randomValidTrace } from './testing.js';

const enc = new TextEncoder();

/** A valid encoding of a random trace in one of the three formats, then damaged. */
const damaged = fc
  .record({
    seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    events: fc.integer({ min: 0, max: 120 }),
    format: fc.constantFrom('binary', 'ndjson', 'chrome'),
    edits: fc.array(fc.record({ at: fc.nat(), kind: fc.constantFrom('flip', 'cut', 'insert', 'number'), value: fc.integer({ min: 0, max: 255 }) }), { maxLength: 4 }),
  })
  .map(({ seed, events, format, edits }) => {
    const trace = randomValidTrace(mulberry32(seed), { events });
    let bytes = format === 'binary' ? encodeTrace(trace, 16) : enc.encode(format === 'ndjson' ? toNdjson(trace) : toChromeJson(trace));
    for (const e of edits) {
      const at = bytes.length === 0 ? 0 : e.at % bytes.length;
      const b = Array.from(bytes);
      if (e.kind === 'flip') b[at] ^= 1 << e.value % 8;
      else if (e.kind === 'cut') b.length = at;
      else if (e.kind === 'insert') b.splice(at, 0, e.value);
      else b.splice(at, 0, ...enc.encode(['1e300', '9007199254740993', '-1', '[[[[[[', '2251799813685248'][e.value % 5]));
      bytes = Uint8Array.from(b);
    }
    return bytes;
  });

const input = fc.oneof(damaged, fc.uint8Array({ maxLength: 600 }), fc.string({ maxLength: 300 }).map((s) => enc.encode(s)));

function importAll(bytes: Uint8Array, cuts: number[]): { ok: true; binary: Uint8Array } | { ok: false } {
  const importer = new TraceImporter();
  const out: Uint8Array[] = [];
  try {
    let prev = 0;
    for (const c of [...cuts.map((x) => x % (bytes.length + 1)).sort((a, b) => a - b), bytes.length]) {
      out.push(...importer.push(bytes.subarray(prev, c)));
      prev = c;
    }
    out.push(...importer.finish().chunks);
  } catch (error) {
    if (error instanceof TraceError || error instanceof UnsupportedFormatError) return { ok: false };
    throw error;
  }
  return { ok: true, binary: Buffer.concat(out) };
}

describe('codecs under hostile input', () => {
  it('fail only with TraceError or UnsupportedFormatError, and what they accept exports whole', () => {
    fc.assert(
      fc.property(input, fc.array(fc.nat(), { maxLength: 5 }), (bytes, cuts) => {
        const result = importAll(bytes, cuts);
        if (!result.ok) return;
        for (const format of ['chrome', 'ndjson'] as const) {
          const conv = new BinaryToTextConverter(format);
          const text = [...conv.push(result.binary), ...conv.finish()].join('');
          expect(importAll(enc.encode(text), []).ok).toBe(true);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
