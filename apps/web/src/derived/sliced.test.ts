import { describe, expect, it } from 'vitest';
import { sliced } from './sliced.js';

function* count(to: number, log: number[]): Generator<void, number> {
  let sum = 0;
  for (let i = 0; i < to; i++) {
    sum += i;
    log.push(i);
    yield;
  }
  return sum;
}

describe('sliced', () => {
  it('runs a generator to its end in slices, letting other tasks run between them', async () => {
    const log: number[] = [];
    let between = 0;
    const timer = setInterval(() => between++, 0);
    // A budget of 0 ms: one step per slice.
    const sum = await sliced(count(20, log), new AbortController().signal, 0);
    clearInterval(timer);
    expect(sum).toBe(190);
    expect(log.length).toBe(20);
    expect(between).toBeGreaterThan(0);
  });

  it('stops when aborted', async () => {
    const log: number[] = [];
    const abort = new AbortController();
    const done = sliced(count(1000, log), abort.signal, 0).then(() => 'done');
    abort.abort();
    const raced = await Promise.race([done, new Promise((r) => setTimeout(() => r('stopped'), 50))]);
    expect(raced).toBe('stopped');
    expect(log.length).toBeLessThan(1000);
  });
});
