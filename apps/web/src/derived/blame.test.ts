import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { blameByLock, callOf, timeByLock } from './blame.js';
import { IntervalKind, TimelineIndex } from './timelineIndex.js';

/**
 * w1 holds the domain lock 0..400 and, inside it, waits 100..300 for the security lock that w2
 * holds 50..300; w3 waits for the domain lock 150..400.
 */
function chain(): TimelineIndex {
  const tr = new Trace();
  const w1 = tr.addThread('worker-1', 'worker');
  const w2 = tr.addThread('worker-2', 'worker');
  const w3 = tr.addThread('worker-3', 'worker');
  const dom = tr.addLock({ name: 'domain', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
  const sec = tr.addLock({ name: 'security', class: 'security-manager', kind: 'mutex' });
  tr.beginSpan(0, w1, 'api', 'virDomainCreate', 'vm-1');
  tr.request(0, w1, dom);
  tr.acquired(0, w1, dom);
  tr.request(50, w2, sec);
  tr.acquired(50, w2, sec);
  tr.request(100, w1, sec);
  tr.request(150, w3, dom);
  tr.released(300, w2, sec);
  tr.acquired(300, w1, sec);
  tr.released(350, w1, sec);
  tr.released(400, w1, dom);
  tr.acquired(400, w3, dom);
  tr.released(410, w3, dom);
  tr.endSpan(420, w1);
  const ix = new TimelineIndex(tr);
  ix.update();
  return ix;
}

describe('blame and time by lock', () => {
  it('splits the waiting for a lock by what its holder was itself waiting for', () => {
    const rows = blameByLock(chain());
    const dom = rows.find((r) => r.lockClass === 'domain-object')!;
    // w3 waited 250 ns for the domain lock; its holder w1 waited for the security lock 150..300.
    expect(dom.waited).toBe(250);
    expect(dom.holderWaiting).toEqual([{ lock: 1, name: 'security', ns: 150 }]);
    expect(dom.holderRunning).toBe(100);
    const sec = rows.find((r) => r.lockClass === 'security-manager')!;
    expect(sec).toMatchObject({ waited: 200, holderRunning: 200, holderWaiting: [] });
    expect(rows[0].lockClass).toBe('domain-object'); // most waited first
  });

  it('gives the time a call waited for and held each lock', () => {
    const ix = chain();
    // Any interval of the call leads to the call.
    let wait = -1;
    for (let id = 0; id < ix.size; id++) if (ix.threadOf(id) === 0 && ix.kindOf(id) === IntervalKind.Wait) wait = id;
    const call = callOf(ix, wait);
    expect(call).toBeGreaterThanOrEqual(0);
    const rows = timeByLock(ix, call);
    expect(rows.map((r) => [r.name, r.waited, r.held])).toEqual([
      ['security', 200, 50],
      ['domain vm-1', 0, 400],
    ]);
  });
});
