import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IntervalBuilder, IntervalType, deriveIntervals, intervalEnd, type IntervalBatch, type IntervalListener } from './intervals.js';
import { EventKind, Mode, NONE, Trace } from './model.js';
import { computeStats } from './stats.js';
import { eventsOf, withEvents } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

function threeThreads(): Trace {
  const t = new Trace();
  t.addThread('a', 'worker');
  t.addThread('b', 'worker');
  t.addThread('c', 'worker');
  t.addLock({ name: 'list', class: 'domain-list', kind: 'mutex' });
  t.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
  return t;
}

/** Every column of every interval, read through the trace. */
function columns(b: IntervalBuilder): number[][] {
  const iv = b.intervals;
  return [...Array(iv.length).keys()].map((i) => [iv.start(i), iv.end(i), iv.thread(i), iv.ref(i), iv.type(i), iv.mode(i), iv.subject(i), iv.startEvent[i], iv.endEvent[i]]);
}

/** A listener that logs what it hears, interval by interval (an event's close before its open;
 * every request, acquisition and span begin of `trace` opens the next). */
function heard(trace: Trace): IntervalListener & { log: Array<[string, number, number]> } {
  const log: Array<[string, number, number]> = [];
  const opening: number[] = [EventKind.LockRequest, EventKind.LockAcquired, EventKind.SpanBegin];
  const read = ({ from, to, closed, firstOpened }: IntervalBatch): void => {
    let next = firstOpened;
    for (let e = from; e < to; e++) {
      if (closed[e - from] !== NONE) log.push(['closed', closed[e - from], e]);
      if (opening.includes(trace.kind[e])) log.push(['opened', next++, e]);
    }
  };
  return { log, read };
}

describe('IntervalBuilder', () => {
  it('derives waits, holds, spans, queue depth and blocked-by edges', () => {
    const t = threeThreads();
    t.beginSpan(0, 0, 'api', 'virDomainCreateXML', 'vm-1');
    t.request(0, 0, 0);
    t.acquired(0, 0, 0);
    t.request(10, 1, 0);
    t.request(12, 2, 0);
    t.released(30, 0, 0);
    t.acquired(30, 1, 0);
    t.endSpan(40, 0);
    const b = deriveIntervals(t);
    const iv = b.intervals;
    const rows = [...Array(iv.length).keys()].map((i) => [iv.type(i), iv.thread(i), iv.ref(i), iv.start(i), iv.end(i)]);
    expect(rows).toEqual([
      [IntervalType.Span, 0, t.label('virDomainCreateXML'), 0, 40],
      [IntervalType.Wait, 0, 0, 0, 0],
      [IntervalType.Hold, 0, 0, 0, 30],
      [IntervalType.Wait, 1, 0, 10, 30],
      [IntervalType.Wait, 2, 0, 12, NaN],
      [IntervalType.Hold, 1, 0, 30, NaN],
    ]);
    expect(iv.subject(0)).toBe(t.label('vm-1'));
    expect(intervalEnd(iv, 4, t.endTime)).toBe(40);
    expect([...b.queueDepth[0].time.view()]).toEqual([0, 10, 12, 30]);
    expect([...b.queueDepth[0].waiters.view()]).toEqual([0, 1, 2, 1]);
    expect([0, 1].map((k) => b.edge(k))).toEqual([
      { time: 10, waiter: 1, holder: 0, lock: 0, waitInterval: 3, holdInterval: 2 },
      { time: 12, waiter: 2, holder: 0, lock: 0, waitInterval: 4, holdInterval: 2 },
    ]);
    expect([3, 4, 1].map((w) => b.firstBlocker(w))).toEqual([0, 0, NONE]);
    expect(b.openSpans(0)).toEqual([]);
    expect(b.blockingChain(4)).toEqual({ steps: [{ waitInterval: 4, waiter: 2, lock: 0, holdInterval: 2, holder: 0 }], root: 0, cycle: false });
  });

  it('follows a chain to its root holder and detects a deadlock', () => {
    const t = threeThreads();
    // b holds vm-1 (a long start); a holds the list and scans: waits for vm-1; c waits for the list.
    t.request(0, 1, 1);
    t.acquired(0, 1, 1);
    t.request(1, 0, 0);
    t.acquired(1, 0, 0);
    t.request(2, 0, 1);
    t.request(3, 2, 0);
    const b = deriveIntervals(t);
    const cWait = b.waitsByThread[2].data[0];
    const chain = b.blockingChain(cWait);
    expect(chain.steps.map((s) => [s.waiter, s.lock, s.holder])).toEqual([
      [2, 0, 0],
      [0, 1, 1],
    ]);
    expect(chain).toMatchObject({ root: 1, cycle: false });
    // b now asks for the list: a cycle.
    t.request(4, 1, 0);
    b.update();
    const bWait = b.waitsByThread[1].data[1];
    expect(b.blockingChain(bWait)).toMatchObject({ root: 1, cycle: true });
  });

  it('shared holders block exclusive waiters only', () => {
    const t = new Trace();
    t.addThread('a', 'worker');
    t.addThread('b', 'worker');
    t.addThread('c', 'worker');
    t.addLock({ name: 'list', class: 'domain-list', kind: 'rwlock' });
    t.request(0, 0, 0, Mode.Shared);
    t.acquired(0, 0, 0, Mode.Shared);
    t.request(1, 1, 0, Mode.Shared);
    t.acquired(1, 1, 0, Mode.Shared);
    t.request(2, 2, 0, Mode.Exclusive);
    const b = deriveIntervals(t);
    expect(b.edges.length).toBe(2);
    expect([0, 1].map((k) => b.edge(k).holder)).toEqual([0, 1]);
    expect(b.holdsAt(0, 1.5).length).toBe(2);
  });

  it('builds chains whose every step holds at the moment the first wait began', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const trace = randomValidTrace(mulberry32(s), { events: 400, threads: 6, locks: 4 });
        const b = deriveIntervals(trace);
        const iv = b.intervals;
        for (let th = 0; th < trace.threads.length; th++) {
          for (const w of b.waitsByThread[th].view()) {
            const t = iv.start(w);
            const chain = b.blockingChain(w);
            expect(chain.steps.length).toBeLessThanOrEqual(trace.threads.length);
            let waiter = th;
            for (const step of chain.steps) {
              expect(step.waiter).toBe(waiter);
              expect(iv.thread(step.waitInterval)).toBe(waiter);
              expect(iv.start(step.holdInterval)).toBeLessThanOrEqual(t);
              expect(intervalEnd(iv, step.holdInterval, Infinity)).toBeGreaterThan(t);
              expect([iv.thread(step.holdInterval), iv.ref(step.holdInterval)]).toEqual([step.holder, step.lock]);
              waiter = step.holder;
            }
            if (chain.steps.length > 0 && !chain.cycle) {
              expect(chain.root).toBe(waiter);
              // The root holder was not itself blocked by a holder then.
              const rootWait = b.waitAt(chain.root, t);
              if (rootWait !== NONE) {
                const blockers = b.holdsAt(iv.ref(rootWait), t).filter((h) => iv.thread(h) !== chain.root && !(iv.mode(h) === Mode.Shared && iv.mode(rootWait) === Mode.Shared));
                expect(blockers).toEqual([]);
              }
            }
          }
        }
      }),
      { numRuns: 60 },
    );
  });

  it('is the same built incrementally in any chunks', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.nat(400), { maxLength: 6 }), (s, cuts) => {
        const full = randomValidTrace(mulberry32(s), { events: 400 });
        const events = eventsOf(full);
        const growing = withEvents(full, []);
        const inc = new IntervalBuilder(growing);
        const incHeard = heard(growing);
        for (const cut of [...cuts].sort((a, b) => a - b).concat(events.length)) {
          while (growing.length < cut) growing.append(events[growing.length]);
          inc.update(incHeard);
        }
        const one = new IntervalBuilder(full);
        const oneHeard = heard(full);
        one.update(oneHeard);
        expect(columns(inc)).toEqual(columns(one));
        expect(incHeard.log).toEqual(oneHeard.log);
        expect([...Array(inc.edges.length).keys()].map((k) => inc.edge(k))).toEqual([...Array(one.edges.length).keys()].map((k) => one.edge(k)));
      }),
      { numRuns: 60 },
    );
  });

  it('goes on from the state another builder of the same trace read, as if it had read it itself', () => {
    fc.assert(
      fc.property(seed, fc.nat(400), fc.boolean(), (s, cut, keep) => {
        const full = randomValidTrace(mulberry32(s), { events: 400 });
        const events = eventsOf(full);
        const growing = withEvents(full, events.slice(0, Math.min(cut, events.length)));
        // One side reads the first events (in batches of arrays of their own, or reused ones)...
        const other = new IntervalBuilder(growing, { queueDepth: false });
        const otherHeard = heard(growing);
        other.update({ read: (b) => otherHeard.read(structuredClone(b)), keepsBatches: keep });
        const { state, transfer } = other.exportState();
        // ...the other adopts what it read (as a worker's message arrives), then reads the rest.
        const adopting = new IntervalBuilder(growing, { queueDepth: false });
        adopting.adoptState(structuredClone(state, { transfer }));
        const rest = heard(growing);
        while (growing.length < events.length) growing.append(events[growing.length]);
        adopting.update(rest);
        const one = new IntervalBuilder(full, { queueDepth: false });
        const oneHeard = heard(full);
        one.update(oneHeard);
        expect(columns(adopting)).toEqual(columns(one));
        expect([...otherHeard.log, ...rest.log]).toEqual(oneHeard.log);
        expect([...Array(adopting.edges.length).keys()].map((k) => adopting.edge(k))).toEqual([...Array(one.edges.length).keys()].map((k) => one.edge(k)));
        const lists = (b: IntervalBuilder): number[][] => [...b.byThread, ...b.waitsByThread, ...b.holdsByLock, ...b.waitsByLock].map((g) => [...g.view()]);
        expect(lists(adopting)).toEqual(lists(one));
        for (let th = 0; th < full.threads.length; th++) expect(adopting.openSpans(th)).toEqual(one.openSpans(th));
      }),
      { numRuns: 60 },
    );
    // Kept with other options, a state is refused.
    const t = threeThreads();
    const { state } = new IntervalBuilder(t, { byThread: false }).exportState();
    expect(() => new IntervalBuilder(t).adoptState(state)).toThrow(/byThread false/);
  });

  it('derives every interval of a bulk load whose sizing sample missed nearly all of them', () => {
    // Blocks of 8 events: the sample reads every 8th event, here (but the first) a span's end.
    const t = threeThreads();
    const blocks = 2000;
    let time = 0;
    for (let b = 0; b < blocks; b++) {
      if (b === 0) t.beginSpan(time++, 1, 'api', 'virConnectListAllDomains');
      else t.endSpan(time++, 0);
      for (let k = 0; k < 3; k++) {
        t.beginSpan(time++, 0, 'api', 'virDomainGetInfo');
        t.endSpan(time++, 0);
      }
      t.beginSpan(time++, 0, 'api', 'virDomainGetInfo');
    }
    const b = new IntervalBuilder(t);
    b.update();
    const all = [...Array(b.intervals.length).keys()];
    expect(all.length).toBe(4 * blocks + 1);
    expect(all.filter((i) => b.intervals.isOpen(i))).toEqual([0, all.length - 1]);
    expect(all.every((i) => b.intervals.type(i) === IntervalType.Span && b.intervals.start(i) === t.time[b.intervals.startEvent[i]])).toBe(true);
  });

  it('without byThread, waitsByLock and queueDepth, trimmed, derives the same intervals, edges and chains', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const trace = randomValidTrace(mulberry32(s), { events: 300 });
        const all = deriveIntervals(trace);
        const lean = new IntervalBuilder(trace, { byThread: false, waitsByLock: false, queueDepth: false });
        lean.update();
        lean.trim();
        expect(lean.byThread).toEqual([]);
        expect(lean.waitsByLock).toEqual([]);
        expect(lean.queueDepth).toEqual([]);
        // (trim leaves at most an eighth of spare room)
        expect(lean.intervals.startEvent.length - lean.intervals.length).toBeLessThanOrEqual(lean.intervals.length >> 3);
        const a = all.intervals;
        expect(columns(lean)).toEqual(columns(all));
        expect([...Array(lean.edges.length).keys()].map((k) => lean.edge(k))).toEqual([...Array(all.edges.length).keys()].map((k) => all.edge(k)));
        for (let i = 0; i < a.length; i++) if (a.type(i) === IntervalType.Wait) expect(lean.blockingChain(i)).toEqual(all.blockingChain(i));
      }),
      { numRuns: 40 },
    );
  });

  it('agrees with the statistics and never overlaps exclusive holds', () => {
    fc.assert(
      fc.property(seed, (s) => {
        const trace = randomValidTrace(mulberry32(s), { events: 400 });
        const b = deriveIntervals(trace);
        const stats = computeStats(trace);
        const iv = b.intervals;
        for (const l of stats.locks) {
          let waitTotal = 0;
          let closedWaits = 0;
          for (const w of b.waitsByLock[l.lock].view()) {
            if (!Number.isNaN(iv.end(w))) (waitTotal += iv.end(w) - iv.start(w)), closedWaits++;
          }
          expect(closedWaits).toBe(l.acquisitions);
          expect(waitTotal).toBeCloseTo(l.wait.total, 6);
          let maxQueue = 0;
          for (const q of b.queueDepth[l.lock].waiters.view()) maxQueue = Math.max(maxQueue, q);
          expect(maxQueue).toBe(l.maxWaiters);
          // Holds are in start order: every hold starting before p ends overlaps p, and only
          // two shared holds may overlap.
          const holds = [...b.holdsByLock[l.lock].view()];
          for (let x = 0; x < holds.length; x++) {
            const p = holds[x];
            const pEnd = intervalEnd(iv, p, Infinity);
            for (let y = x + 1; y < holds.length && iv.start(holds[y]) < pEnd; y++) {
              expect(iv.mode(p) === Mode.Shared && iv.mode(holds[y]) === Mode.Shared).toBe(true);
            }
          }
        }
        for (let i = 0; i < iv.length; i++) {
          if (!Number.isNaN(iv.end(i))) expect(iv.end(i)).toBeGreaterThanOrEqual(iv.start(i));
          else expect(iv.endEvent[i]).toBe(NONE);
        }
        // The listener hears every closed interval once, in the order of their ending events.
        const listened = heard(trace);
        new IntervalBuilder(trace).update(listened);
        const closed = listened.log.filter(([what]) => what === 'closed').map(([, id]) => id);
        expect([...closed].sort((x, y) => x - y)).toEqual([...Array(iv.length).keys()].filter((i) => !Number.isNaN(iv.end(i))));
        for (let k = 1; k < closed.length; k++) expect(iv.endEvent[closed[k]]).toBeGreaterThan(iv.endEvent[closed[k - 1]]);
        // Every edge's holder really holds the lock when the wait begins (it may release it at
        // that same ns, later in the log).
        for (let k = 0; k < b.edges.length; k++) {
          const e = b.edge(k);
          const h = e.holdInterval;
          expect([iv.type(h), iv.thread(h), iv.ref(h)]).toEqual([IntervalType.Hold, e.holder, e.lock]);
          expect(iv.start(h)).toBeLessThanOrEqual(e.time);
          expect(intervalEnd(iv, h, Infinity)).toBeGreaterThanOrEqual(e.time);
          if (intervalEnd(iv, h, Infinity) > e.time) expect(b.holdsAt(e.lock, e.time)).toContain(h);
        }
      }),
      { numRuns: 60 },
    );
  });
});
