import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MaxMipmap, fillInterval } from './mipmap.js';

/** Reference: max over raw intervals per pixel column, with the same 1-px minimum. */
function reference(intervals: Array<[number, number, number]>, width: number, t0: number, nsPerPx: number): Uint8Array {
  const cols = new Uint8Array(width);
  for (const [s, e, v] of intervals) fillInterval(cols, s, e, v, t0, nsPerPx);
  return cols;
}

describe('MaxMipmap', () => {
  it('shows a short wait inside a long hold when zoomed out (waiting beats holding)', () => {
    const m = new MaxMipmap(1 << 12, 0);
    m.insert(0, 1_000_000, 16); // a 1 ms hold
    m.insert(500_000, 500_010, 32); // a 10 ns wait inside it
    const cols = new Uint8Array(100);
    expect(m.fillColumns(cols, 0, 10_000)).toBe(true);
    expect(cols[50]).toBe(32);
    expect(cols[10]).toBe(16);
    expect(cols.filter((v) => v === 32).length).toBeGreaterThanOrEqual(1);
  });

  it('asks for raw drawing when the view is finer than its finest bucket', () => {
    const m = new MaxMipmap(1 << 10, 10);
    m.insert(0, 5000, 1);
    expect(m.fillColumns(new Uint8Array(10), 0, 100)).toBe(false);
    expect(m.levelFor(4096)).toBeGreaterThanOrEqual(0);
  });

  it('drops its finest level to stay within its bucket budget', () => {
    const m = new MaxMipmap(1 << 8, 0);
    m.insert(0, 10, 5);
    m.insert(1_000_000, 1_000_001, 7);
    expect(m.finestWidth).toBeGreaterThanOrEqual(1_000_001 / 256);
    const cols = new Uint8Array(10);
    m.fillColumns(cols, 0, 200_000);
    expect(cols[0]).toBe(5);
    expect(cols[5]).toBe(7);
  });

  it('never loses a value and never invents one further than a pixel away (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 50_000 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 60 }),
        fc.integer({ min: 0, max: 900_000 }),
        fc.integer({ min: 2, max: 20 }),
        (raw, t0, zoomExp) => {
          const intervals = raw.map(([s, d, v]) => [s, s + d, v] as [number, number, number]);
          const m = new MaxMipmap(1 << 10, 4);
          for (const [s, e, v] of intervals) m.insert(s, e, v);
          const nsPerPx = 2 ** zoomExp;
          const width = 64;
          const cols = new Uint8Array(width);
          if (!m.fillColumns(cols, t0, nsPerPx)) return;
          // Reference with one extra pixel each side: ref[x + 1] is pixel x.
          const ref = reference(intervals, width + 2, t0 - nsPerPx, nsPerPx);
          // A bucket may spill at most one pixel either side, never more, and never drops a value.
          for (let x = 0; x < width; x++) {
            const widened = Math.max(ref[x], ref[x + 1], ref[x + 2]);
            expect(cols[x]).toBeLessThanOrEqual(widened);
            expect(cols[x]).toBeGreaterThanOrEqual(ref[x + 1]);
          }
        },
      ),
    );
  });
});

describe('MaxMipmap, incremental', () => {
  it('answers the same whether views were read between inserts or only at the end (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 2_000_000 }), fc.integer({ min: 0, max: 80_000 }), fc.integer({ min: 1, max: 60 }), fc.boolean()), { minLength: 1, maxLength: 80 }),
        fc.integer({ min: 4, max: 21 }),
        (raw, zoomExp) => {
          const live = new MaxMipmap(1 << 9, 3);
          const bulk = new MaxMipmap(1 << 9, 3);
          const scratch = new Uint8Array(32);
          for (const [s, d, v, look] of raw) {
            live.insert(s, s + d, v);
            bulk.insert(s, s + d, v);
            if (look) live.fillColumns(scratch, 0, 2 ** zoomExp);
          }
          const a = new Uint8Array(128);
          const b = new Uint8Array(128);
          const okA = live.fillColumns(a, 0, 2 ** zoomExp);
          const okB = bulk.fillColumns(b, 0, 2 ** zoomExp);
          expect(okA).toBe(okB);
          expect(Array.from(a)).toEqual(Array.from(b));
        },
      ),
    );
  });
});

describe('MaxMipmap.reserve', () => {
  it('gives the same pyramid as growing one insert at a time', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 5_000_000 }), fc.integer({ min: 0, max: 200_000 }), fc.integer({ min: 1, max: 60 })), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 20_000 }),
        (raw, nsPerPx) => {
          const intervals = raw.map(([s, d, v]) => [s, s + d, v] as [number, number, number]);
          const end = Math.max(...intervals.map((iv) => iv[1]));
          const grown = new MaxMipmap(1 << 10, 0);
          const reserved = new MaxMipmap(1 << 10, 0);
          reserved.reserve(end);
          for (const [s, e, v] of intervals) {
            grown.insert(s, e, v);
            reserved.insert(s, e, v);
          }
          expect(reserved.finestWidth).toBe(grown.finestWidth);
          expect(reserved.levelCount).toBe(grown.levelCount);
          const a = new Uint8Array(300);
          const b = new Uint8Array(300);
          expect(reserved.fillColumns(a, 0, nsPerPx)).toBe(grown.fillColumns(b, 0, nsPerPx));
          expect(a).toEqual(b);
        },
      ),
      { numRuns: 100 },
    );
  });
});
