import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Mode, Trace } from './model.js';
import { avoidableWaits, describeVerdict } from './avoidable.js';
import { computeStats } from './stats.js';
import { mulberry32 } from './rng.js';
import { randomValidTrace } from './testing.js';
import { validateTrace } from './validate.js';

/** Four calls around the security manager, a domain lock and the domain list (times in ns). */
function handBuilt(): Trace {
  const t = new Trace();
  const [w0, w1, w2, w3] = ['w0', 'w1', 'w2', 'w3'].map((n) => t.addThread(n, 'worker'));
  const sm = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
  const d1 = t.addLock({ name: 'domain vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
  const dl = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'rwlock' });
  t.beginSpan(0, w0, 'api', 'virDomainCreateXML', 'vm-1');
  t.request(0, w0, sm);
  t.acquired(0, w0, sm);
  t.beginSpan(5, w1, 'api', 'virDomainCreateXML', 'vm-2');
  t.beginSpan(5, w2, 'api', 'virDomainCreateXML', 'vm-1');
  t.beginSpan(7, w2, 'phase', 'label disks');
  t.request(10, w1, sm); // behind w0 (vm-1): 40 ns, all avoidable
  t.request(20, w2, sm); // behind w0 (vm-1, same) 30 ns, then w1 (vm-2) 30 ns, then a hand-over 5 ns
  t.released(50, w0, sm);
  t.acquired(50, w1, sm);
  t.beginSpan(55, w3, 'api', 'virConnectListAllDomains');
  t.request(60, w3, sm); // a call for no domain: never avoidable
  t.released(80, w1, sm);
  t.acquired(85, w2, sm);
  t.released(95, w2, sm);
  t.acquired(100, w3, sm);
  t.request(100, w0, d1);
  t.acquired(100, w0, d1);
  t.released(101, w3, sm);
  t.request(105, w1, d1); // a per-domain lock: never avoidable
  t.released(110, w0, d1);
  t.acquired(110, w1, d1);
  t.released(111, w1, d1);
  t.request(120, w3, dl);
  t.acquired(120, w3, dl);
  t.request(122, w0, dl, Mode.Shared); // behind a listing of every domain: not avoidable
  t.released(130, w3, dl);
  t.acquired(130, w0, dl, Mode.Shared);
  t.released(131, w0, dl, Mode.Shared);
  t.request(132, w1, dl, Mode.Shared);
  t.acquired(132, w1, dl, Mode.Shared);
  t.request(133, w2, dl, Mode.Shared); // a shared request beside a shared holder does not wait
  t.acquired(133, w2, dl, Mode.Shared);
  t.released(134, w1, dl, Mode.Shared);
  t.released(134, w2, dl, Mode.Shared);
  t.endSpan(140, w2);
  for (const w of [w0, w1, w2, w3]) t.endSpan(140, w);
  return t;
}

describe('avoidable contention', () => {
  it('is exact on a hand-built trace', () => {
    const trace = handBuilt();
    expect(validateTrace(trace).ok).toBe(true);
    const contended = avoidableWaits(trace).filter((v) => v.wait > 0);
    expect(contended.map(({ thread, wait, avoidable, reason, domain, holderDomains }) => ({ thread, wait, avoidable, reason, domain, holderDomains }))).toEqual([
      { thread: 1, wait: 40, avoidable: 40, reason: 'different-domains', domain: 'vm-2', holderDomains: ['vm-1'] },
      { thread: 2, wait: 65, avoidable: 30, reason: 'different-domains', domain: 'vm-1', holderDomains: ['vm-1', 'vm-2'] },
      { thread: 3, wait: 40, avoidable: 0, reason: 'waiter-without-domain', domain: undefined, holderDomains: ['vm-1', 'vm-2'] },
      { thread: 1, wait: 5, avoidable: 0, reason: 'per-domain-lock', domain: 'vm-2', holderDomains: [] },
      { thread: 0, wait: 8, avoidable: 0, reason: 'holder-without-domain', domain: 'vm-1', holderDomains: [] },
    ]);
    expect(describeVerdict(contended[1], 'security manager')).toMatch(/^avoidable \(46 % of the wait\): this call worked on vm-1, the holders on vm-1, vm-2/);
    expect(describeVerdict(contended[3], 'domain vm-1')).toBe('not avoidable: domain vm-1 already protects one domain only');
  });

  it('is in the statistics per lock and per class', () => {
    const stats = computeStats(handBuilt());
    const sm = stats.classes.find((c) => c.class === 'security-manager');
    expect(sm).toMatchObject({ acquisitions: 4, contended: 3, avoidableWait: 70, avoidableContended: 2, wait: { total: 145 } });
    expect(stats.classes.find((c) => c.class === 'domain-list')).toMatchObject({ contended: 1, avoidableWait: 0, avoidableContended: 0 });
    expect(stats.locks.find((l) => l.class === 'domain-object')).toMatchObject({ contended: 1, avoidableWait: 0 });
  });

  it('never exceeds the wait, on random traces', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const trace = randomValidTrace(mulberry32(seed), { events: 400 });
        for (const v of avoidableWaits(trace)) {
          expect(v.avoidable).toBeGreaterThanOrEqual(0);
          expect(v.avoidable).toBeLessThanOrEqual(v.wait);
          if (v.avoidable > 0) expect(v.reason).toBe('different-domains');
        }
        for (const c of computeStats(trace).classes) {
          expect(c.avoidableWait).toBeLessThanOrEqual(c.wait.total);
          expect(c.avoidableContended).toBeLessThanOrEqual(c.contended);
        }
      }),
      { numRuns: 60 },
    );
  });
});
