import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventKind, NONE, Trace, TraceError, type TraceEvent } from './model.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';
import { eventsOf, withEvents } from './test-helpers.js';
import { TraceValidator, assertValidTrace, validateTrace } from './validate.js';

function base(): Trace {
  const t = new Trace();
  t.addThread('w1', 'worker');
  t.addThread('w2', 'worker');
  t.addLock({ name: 'list', class: 'domain-list', kind: 'rwlock' });
  t.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
  return t;
}

function failsAt(events: TraceEvent[], index: number, reason: RegExp): void {
  const r = validateTrace(withEvents(base(), events));
  expect(r).toMatchObject({ ok: false, index });
  if (!r.ok) expect(r.reason).toMatch(reason);
}

const req = (t: number, thread: number, lock: number, mode: 'exclusive' | 'shared' = 'exclusive'): TraceEvent => ({ t, kind: 'lock.request', thread, lock, mode });
const acq = (t: number, thread: number, lock: number, mode: 'exclusive' | 'shared' = 'exclusive'): TraceEvent => ({ t, kind: 'lock.acquired', thread, lock, mode });
const rel = (t: number, thread: number, lock: number, mode: 'exclusive' | 'shared' = 'exclusive'): TraceEvent => ({ t, kind: 'lock.released', thread, lock, mode });

describe('validateTrace rules', () => {
  it('accepts contention, shared holds, hand-over-hand and a condition wait', () => {
    const events: TraceEvent[] = [
      { t: 0, kind: 'span.begin', thread: 0, spanKind: 'api', label: 'virDomainCreateXML', subject: 'vm-1' },
      req(0, 0, 0, 'shared'), acq(0, 0, 0, 'shared'),
      req(1, 1, 0, 'shared'), acq(1, 1, 0, 'shared'),
      req(2, 0, 1), acq(2, 0, 1),
      rel(3, 0, 0, 'shared'), // the list lock released while the object lock is kept
      req(4, 1, 1),
      rel(5, 0, 1), acq(5, 1, 1),
      rel(6, 1, 1), req(6, 1, 1), acq(7, 1, 1), // condition wait
      { t: 8, kind: 'span.end', thread: 0 },
      { t: 9, kind: 'mark', thread: NONE, label: 'strategy: rwlock' },
    ];
    expect(validateTrace(withEvents(base(), events))).toEqual({ ok: true });
  });

  it('rejects an exclusive hold overlapping another hold', () => {
    failsAt([req(0, 0, 1), acq(0, 0, 1), req(1, 1, 1), acq(2, 1, 1)], 3, /holds it exclusive/);
    failsAt([req(0, 0, 0, 'shared'), acq(0, 0, 0, 'shared'), req(1, 1, 0), acq(2, 1, 0)], 3, /hold it shared/);
    failsAt([req(0, 0, 0), acq(0, 0, 0), req(1, 1, 0, 'shared'), acq(2, 1, 0, 'shared')], 3, /holds it exclusive/);
  });

  it('rejects acquisitions without a matching request', () => {
    failsAt([acq(0, 0, 1)], 0, /without a request/);
    failsAt([req(0, 0, 1), acq(0, 0, 0)], 1, /blocked on lock 1/);
    failsAt([req(0, 0, 0, 'shared'), acq(0, 0, 0)], 1, /blocked on lock 0/);
  });

  it('rejects a blocked thread doing anything but acquiring', () => {
    failsAt([req(0, 0, 1), { t: 1, kind: 'span.begin', thread: 0, spanKind: 'phase', label: 'x' }], 1, /blocked/);
  });

  it('rejects releases that match no hold', () => {
    failsAt([rel(0, 0, 1)], 0, /does not hold/);
    failsAt([req(0, 0, 1), acq(0, 0, 1), rel(1, 1, 1)], 2, /does not hold/);
    failsAt([req(0, 0, 0), acq(0, 0, 0), rel(1, 0, 0, 'shared')], 2, /holds it exclusive/);
  });

  it('rejects recursive requests and shared mutexes', () => {
    failsAt([req(0, 0, 1), acq(0, 0, 1), req(1, 0, 1)], 2, /not recursive/);
    failsAt([req(0, 0, 1, 'shared')], 0, /mutex/);
  });

  it('rejects unbalanced spans and time going back', () => {
    failsAt([{ t: 0, kind: 'span.end', thread: 0 }], 0, /without an open span/);
    failsAt([{ t: 5, kind: 'mark', thread: 0, label: 'a' }, { t: 4, kind: 'mark', thread: 1, label: 'b' }], 1, /time goes back/);
  });

  it('rejects unknown ids and bad dictionaries', () => {
    failsAt([req(0, 2, 0)], 0, /unknown thread/);
    failsAt([req(0, 0, 7)], 0, /unknown lock/);
    const t = base();
    t.push(0, 0, EventKind.SpanBegin, 99, 0, NONE);
    expect(validateTrace(t)).toMatchObject({ ok: false, index: 0 });
    const u = base();
    u.push(0, 0, 9 as EventKind, 0, 0, NONE);
    expect(validateTrace(u)).toMatchObject({ ok: false, index: 0, reason: 'unknown event kind 9' });
    const v = base();
    v.locks[1].id = 5;
    expect(validateTrace(v)).toMatchObject({ ok: false, index: -1 });
  });

  it('assertValidTrace throws a TraceError with the index', () => {
    const t = withEvents(base(), [req(0, 0, 1), rel(1, 0, 1)]);
    expect(() => assertValidTrace(t)).toThrow(TraceError);
    try {
      assertValidTrace(t);
    } catch (e) {
      expect((e as TraceError).eventIndex).toBe(1);
    }
  });
});

describe('validator properties', () => {
  const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

  it('accepts every random valid trace', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 400 }), (s, n) => {
        const trace = randomValidTrace(mulberry32(s), { events: n });
        expect(trace.length).toBe(n);
        expect(validateTrace(trace)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });

  it('validates incrementally with the same result as in one pass', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 6 }), (s, cuts) => {
        const full = randomValidTrace(mulberry32(s), { events: 300 });
        const events = eventsOf(full);
        // Corrupt one event half of the time so that failures are compared too.
        if (s % 2 && events.length > 0) events[s % events.length] = { t: events[s % events.length].t, kind: 'span.end', thread: 0 };
        const whole = withEvents(full, events);
        const growing = withEvents(full, []);
        const v = new TraceValidator();
        let last = v.check(growing);
        for (const cut of [...cuts].sort((a, b) => a - b).concat(events.length)) {
          while (growing.length < Math.min(cut, events.length)) growing.append(events[growing.length]);
          last = v.check(growing);
        }
        expect(last).toEqual(validateTrace(whole));
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a time going back at exactly that event', () => {
    fc.assert(
      fc.property(seed, fc.nat(), (s, k) => {
        const trace = randomValidTrace(mulberry32(s), { events: 200 });
        const candidates = [...Array(trace.length).keys()].filter((i) => i > 0 && trace.time[i - 1] > 0);
        fc.pre(candidates.length > 0);
        const i = candidates[k % candidates.length];
        trace.time[i] = trace.time[i - 1] - 1;
        expect(validateTrace(trace)).toMatchObject({ ok: false, index: i });
      }),
      { numRuns: 100 },
    );
  });

  it('rejects an unknown thread, lock or kind at exactly that event', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.constantFrom('thread', 'lock', 'kind'), (s, k, what) => {
        const trace = randomValidTrace(mulberry32(s), { events: 200 });
        const lockEvents = [...Array(trace.length).keys()].filter((i) => trace.kind[i] <= EventKind.LockReleased);
        fc.pre(lockEvents.length > 0);
        const i = lockEvents[k % lockEvents.length];
        if (what === 'thread') trace.thread[i] = trace.threads.length;
        else if (what === 'lock') trace.ref[i] = trace.locks.length + k;
        else trace.kind[i] = 6 + (k % 200);
        expect(validateTrace(trace)).toMatchObject({ ok: false, index: i });
      }),
      { numRuns: 100 },
    );
  });

  it('rejects an acquired whose request was removed, at that acquired', () => {
    fc.assert(
      fc.property(seed, fc.nat(), (s, k) => {
        const trace = randomValidTrace(mulberry32(s), { events: 200 });
        const acquisitions = [...Array(trace.length).keys()].filter((i) => trace.kind[i] === EventKind.LockAcquired);
        fc.pre(acquisitions.length > 0);
        const a = acquisitions[k % acquisitions.length];
        let r = a - 1;
        while (!(trace.kind[r] === EventKind.LockRequest && trace.thread[r] === trace.thread[a])) r--;
        const events = eventsOf(trace);
        events.splice(r, 1);
        expect(validateTrace(withEvents(trace, events))).toMatchObject({ ok: false, index: a - 1 });
      }),
      { numRuns: 100 },
    );
  });

  it('rejects a release inserted for a lock the thread does not hold, at that release', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.nat(), (s, k, l) => {
        const trace = randomValidTrace(mulberry32(s), { events: 200 });
        fc.pre(trace.length > 0);
        const at = k % (trace.length + 1);
        const thread = l % trace.threads.length;
        // Who holds what, and who is blocked, just before `at`.
        const held = new Set<number>();
        let blocked = false;
        for (let i = 0; i < at; i++) {
          if (trace.thread[i] !== thread) continue;
          if (trace.kind[i] === EventKind.LockAcquired) (held.add(trace.ref[i]), (blocked = false));
          if (trace.kind[i] === EventKind.LockRequest) blocked = true;
          if (trace.kind[i] === EventKind.LockReleased) held.delete(trace.ref[i]);
        }
        const lock = [...Array(trace.locks.length).keys()].find((x) => !held.has(x));
        fc.pre(lock !== undefined);
        const events = eventsOf(trace);
        const t = at > 0 ? events[at - 1].t : 0;
        events.splice(at, 0, { t, kind: 'lock.released', thread, lock: lock as number, mode: 'exclusive' });
        const r = validateTrace(withEvents(trace, events));
        expect(r).toMatchObject({ ok: false, index: at });
        if (!r.ok) expect(r.reason).toMatch(blocked ? /blocked/ : /does not hold/);
      }),
      { numRuns: 100 },
    );
  });

  it('keeps reporting the first failure once the trace is broken', () => {
    const t = withEvents(base(), [rel(0, 0, 1)]);
    const v = new TraceValidator();
    const first = v.check(t);
    t.append(req(1, 0, 1));
    expect(v.check(t)).toEqual(first);
    expect(first.ok).toBe(false);
  });
});
