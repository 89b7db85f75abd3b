import { describe, expect, it } from 'vitest';
import { LOCK_CLASSES, Trace, validateTrace } from '@lockscope/trace';
import { clipTrace, marksSplit, rangeStats } from './range.js';
import { TimelineIndex } from './timelineIndex.js';

/** Two workers; w2 waits 100..300 for the security lock w1 holds 50..300, inside their calls. */
function twoWorkers(): TimelineIndex {
  const tr = new Trace();
  const w1 = tr.addThread('worker-1', 'worker');
  const w2 = tr.addThread('worker-2', 'worker');
  const sec = tr.addLock({ name: 'security', class: 'security-manager', kind: 'mutex' });
  tr.beginSpan(0, w1, 'api', 'virDomainCreate', 'vm-1');
  tr.request(50, w1, sec);
  tr.acquired(50, w1, sec);
  tr.beginSpan(60, w2, 'api', 'virDomainCreate', 'vm-2');
  tr.request(100, w2, sec);
  tr.mark(200, 'security.lock=per-domain');
  tr.released(300, w1, sec);
  tr.acquired(300, w2, sec);
  tr.endSpan(320, w1);
  tr.released(400, w2, sec);
  tr.endSpan(500, w2);
  const ix = new TimelineIndex(tr);
  ix.update();
  return ix;
}

describe('time range statistics', () => {
  it('cuts a trace to a range into a valid trace: what was open at t0 begins there', () => {
    const ix = twoWorkers();
    for (const [t0, t1] of [
      [0, 500],
      [150, 250],
      [250, 350],
      [300, 300.5],
      [310, 450],
    ]) {
      const cut = clipTrace(ix, t0, t1);
      expect(validateTrace(cut).ok, `${t0}..${t1}: ${JSON.stringify(validateTrace(cut))}`).toBe(true);
      for (let i = 0; i < cut.length; i++) expect(cut.time[i]).toBeGreaterThanOrEqual(t0);
      for (let i = 0; i < cut.length; i++) expect(cut.time[i]).toBeLessThanOrEqual(t1);
    }
  });

  it('counts only the waiting inside the range', () => {
    const ix = twoWorkers();
    const sec = LOCK_CLASSES.indexOf('security-manager');
    expect(rangeStats(ix, 0, 500).waitByClass[sec]).toBe(200);
    // 150..250: the wait is going on all through the range.
    expect(rangeStats(ix, 150, 250).waitByClass[sec]).toBe(100);
    // 250..350: the last 50 ns of it.
    expect(rangeStats(ix, 250, 350).waitByClass[sec]).toBe(50);
    // After it: none; the call ending in the range counts from the range start.
    const late = rangeStats(ix, 350, 500);
    expect(late.waitTotal).toBe(0);
    expect(late.apis.find((a) => a.name === 'virDomainCreate')?.count).toBe(1);
  });

  it('splits the statistics before and after each strategy mark', () => {
    const split = marksSplit(twoWorkers());
    expect(split.map((s) => s.label)).toEqual(['security.lock=per-domain']);
    const sec = LOCK_CLASSES.indexOf('security-manager');
    expect(split[0].before.waitByClass[sec]).toBe(100);
    expect(split[0].after.waitByClass[sec]).toBe(100);
  });
});
