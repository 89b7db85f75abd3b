import { describe, expect, it } from 'vitest';
import { EventKind, TraceValidator } from '@lockscope/trace';
import { syntheticTrace } from './synthetic.js';

describe('syntheticTrace', () => {
  it('is a valid trace (one holder per lock, waits in line), with contention and nested holds', () => {
    for (const [intervals, threads, locks] of [
      [30_000, 24, 32],
      [5000, 4, 3],
      [2000, 8, 2],
    ]) {
      const tr = syntheticTrace({ intervals, threads, locks, seed: 11 });
      expect(new TraceValidator().check(tr)).toEqual({ ok: true });
      // Some acquisitions waited (request and acquired at different times), some did not.
      let waited = 0;
      let requests = 0;
      const asked = new Map<number, number>();
      for (let i = 0; i < tr.length; i++) {
        if (tr.kind[i] === EventKind.LockRequest) {
          requests++;
          asked.set(tr.thread[i], tr.time[i]);
        } else if (tr.kind[i] === EventKind.LockAcquired && tr.time[i] > (asked.get(tr.thread[i]) ?? Infinity)) waited++;
      }
      expect(waited).toBeGreaterThan(requests * 0.05);
      expect(waited).toBeLessThan(requests);
    }
  });
});
