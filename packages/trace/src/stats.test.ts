import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventKind, Trace } from './model.js';
import { StatsAccumulator, computeStats } from './stats.js';
import { eventsOf, withEvents } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';

function scenario(): Trace {
  const t = new Trace();
  const w0 = t.addThread('w0', 'worker');
  const w1 = t.addThread('w1', 'worker');
  const w2 = t.addThread('w2', 'priority-worker');
  const a = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'mutex' });
  const b = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
  t.beginSpan(0, w0, 'api', 'virDomainCreateXML', 'vm-1');
  t.request(0, w0, a);
  t.acquired(0, w0, a);
  t.beginSpan(10, w1, 'api', 'virDomainDefineXML', 'vm-2');
  t.request(10, w1, a);
  t.request(12, w2, a);
  t.released(30, w0, a);
  t.acquired(30, w1, a);
  t.released(35, w1, a);
  t.acquired(35, w2, a);
  t.released(40, w2, a);
  t.request(40, w0, b);
  t.acquired(40, w0, b);
  t.released(50, w0, b);
  t.endSpan(60, w0);
  t.endSpan(70, w1);
  return t;
}

describe('computeStats', () => {
  it('counts a small scenario as lockstat would', () => {
    const s = computeStats(scenario());
    expect(s.makespan).toBe(70);
    const list = s.locks[0];
    expect(list).toMatchObject({ name: 'domain list', class: 'domain-list', acquisitions: 3, contended: 2, maxWaiters: 2, ownerChanges: 2 });
    expect(list.contendedPct).toBeCloseTo(200 / 3);
    expect(list.wait).toEqual({ count: 3, total: 43, avg: 43 / 3, p50: 20, p95: 23, max: 23 });
    expect(list.hold).toEqual({ count: 3, total: 40, avg: 40 / 3, max: 30 });
    expect(s.locks[1]).toMatchObject({ acquisitions: 1, contended: 0, contendedPct: 0, hold: { count: 1, total: 10, max: 10 } });
    expect(s.classes.map((c) => c.class)).toEqual(['security-manager', 'domain-list']);
    const define = s.apiCalls.find((c) => c.label === 'virDomainDefineXML');
    expect(define).toMatchObject({ count: 1, latency: { p50: 60, max: 60 }, waitByClass: { 'domain-list': 20 }, waitTotal: 20 });
    const create = s.apiCalls.find((c) => c.label === 'virDomainCreateXML');
    expect(create).toMatchObject({ count: 1, waitByClass: {}, waitTotal: 0 });
  });

  it('is the same computed incrementally in any chunks', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.array(fc.nat(400), { maxLength: 6 }), (s, cuts) => {
        const full = randomValidTrace(mulberry32(s), { events: 400 });
        const events = eventsOf(full);
        const growing = withEvents(full, []);
        const acc = new StatsAccumulator();
        for (const cut of [...cuts].sort((a, b) => a - b).concat(events.length)) {
          while (growing.length < cut) growing.append(events[growing.length]);
          acc.update(growing);
          acc.snapshot();
        }
        expect(acc.snapshot()).toEqual(computeStats(full));
      }),
      { numRuns: 60 },
    );
  });

  it('agrees with a direct count of events', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (s) => {
        const trace = randomValidTrace(mulberry32(s), { events: 300 });
        const stats = computeStats(trace);
        for (const l of stats.locks) {
          let acquired = 0;
          for (let i = 0; i < trace.length; i++) if (trace.kind[i] === EventKind.LockAcquired && trace.ref[i] === l.lock) acquired++;
          expect(l.acquisitions).toBe(acquired);
          expect(l.wait.count).toBe(acquired);
          expect(l.contended).toBeLessThanOrEqual(acquired);
          if (l.wait.count) expect(l.wait.p50).toBeLessThanOrEqual(l.wait.p95);
          expect(l.wait.p95).toBeLessThanOrEqual(l.wait.max);
        }
        for (const l of [...stats.locks, ...stats.classes]) {
          expect(l.waitContended.count).toBe(l.contended);
          expect(l.waitContended.total).toBe(l.wait.total);
          expect(l.waitContended.max).toBe(l.wait.max);
          expect(l.waitContended.p95).toBeGreaterThanOrEqual(l.wait.p95);
          if (l.contended) expect(l.waitContended.p50).toBeGreaterThan(0);
        }
        const perClass = stats.classes.reduce((n, c) => n + c.acquisitions, 0);
        expect(perClass).toBe(stats.locks.reduce((n, l) => n + l.acquisitions, 0));
      }),
      { numRuns: 60 },
    );
  });
});

describe('StatsAccumulator figures for the dashboard', () => {
  it('gives contended-only wait percentiles, the API makespan and sorted latencies', () => {
    const acc = new StatsAccumulator();
    acc.update(scenario());
    const s = acc.snapshot();
    expect(s.locks[0].waitContended).toEqual({ count: 2, total: 43, avg: 43 / 2, p50: 20, p95: 23, max: 23 });
    expect(s.locks[1].waitContended).toEqual({ count: 0, total: 0, avg: 0, p50: 0, p95: 0, max: 0 });
    expect(s.apiMakespan).toBe(70);
    expect(Array.from(acc.apiLatencies('virDomainDefineXML'))).toEqual([60]);
    expect(Array.from(acc.apiLatencies('virDomainGetInfo'))).toEqual([]);
    const t = scenario();
    const w0 = 0;
    t.beginSpan(80, w0, 'api', 'virDomainCreateXML', 'vm-3');
    t.endSpan(100, w0);
    t.beginSpan(100, w0, 'api', 'virDomainCreateXML', 'vm-4');
    t.endSpan(105, w0);
    acc.update(t);
    expect(Array.from(acc.apiLatencies('virDomainCreateXML'))).toEqual([5, 20, 60]);
    expect(acc.snapshot().apiMakespan).toBe(105);
  });

  it('counts the waits in progress at the last event, per lock, class and open API call', () => {
    const t = new Trace();
    const a = t.addThread('a', 'worker');
    const b = t.addThread('b', 'worker');
    const c = t.addThread('c', 'worker');
    const vm = t.addLock({ name: 'domain vm-1', class: 'domain-object', kind: 'mutex' });
    const list = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'mutex' });
    t.beginSpan(0, b, 'api', 'virDomainGetInfo', 'vm-1');
    t.request(5, b, list);
    t.request(5, a, list);
    t.acquired(5, a, list);
    t.released(8, a, list);
    t.acquired(8, b, list); // 3 ns waited inside the open call
    t.released(9, b, list);
    t.request(10, a, vm);
    t.acquired(10, a, vm);
    t.request(20, b, vm);
    t.request(120, c, vm);
    t.mark(520, 'now');
    const acc = new StatsAccumulator();
    acc.update(t);
    const p = acc.inProgress();
    expect(p).toEqual({
      at: 520,
      waiting: 2,
      waitTotal: 900,
      locks: [{ lock: vm, name: 'domain vm-1', class: 'domain-object', waiting: 2, waitTotal: 900 }],
      waitByClass: { 'domain-object': 900 },
      apiCalls: [{ label: 'virDomainGetInfo', open: 1, waitByClass: { 'domain-object': 500, 'domain-list': 3 }, waitTotal: 503 }],
    });
    // The snapshot itself counts finished waits and calls only.
    const s = acc.snapshot();
    expect(s.locks[vm].wait.total).toBe(0);
    expect(s.apiCalls).toEqual([]);
    t.acquired(600, b, vm);
    acc.update(t);
    expect(acc.inProgress()).toMatchObject({ at: 600, waiting: 1, waitTotal: 480, apiCalls: [{ open: 1, waitByClass: { 'domain-object': 580, 'domain-list': 3 } }] });
  });

  it('has nothing in progress once every wait and call has ended', () => {
    const acc = new StatsAccumulator();
    acc.update(scenario());
    expect(acc.inProgress()).toEqual({ at: 70, waiting: 0, waitTotal: 0, locks: [], waitByClass: {}, apiCalls: [] });
  });
});
