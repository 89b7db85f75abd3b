import { describe, expect, it } from 'vitest';
import { decodeBinaryTrace, encodeTrace } from './binary.js';
import { BYTES_PER_EVENT, Trace } from './model.js';
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
