import { describe, expect, it } from 'vitest';
import { BATCH_EVENTS, NONE, Trace, mulberry32, randomValidTrace } from '@lockscope/trace';
import { IntervalKind, TimelineIndex, isWaitValue, otherSide, type IndexParts } from './timelineIndex.js';
import { DashboardStats } from './stats.js';
import { syntheticTrace } from './synthetic.js';
import { expectSameIndex } from './testing.js';

/** Two workers contend on the domain list; worker 0 then waits for the security manager. */
function contended(): Trace {
  const tr = new Trace();
  const w0 = tr.addThread('worker-0', 'worker');
  const w1 = tr.addThread('worker-1', 'worker');
  const w2 = tr.addThread('worker-2', 'worker');
  const list = tr.addLock({ name: 'domains', class: 'domain-list', kind: 'mutex' });
  const sec = tr.addLock({ name: 'security', class: 'security-manager', kind: 'mutex' });
  tr.beginSpan(0, w0, 'api', 'virDomainCreateXML', 'vm-01');
  tr.beginSpan(0, w1, 'api', 'virDomainDefineXML', 'vm-02');
  tr.request(10, w2, sec);
  tr.acquired(10, w2, sec);
  tr.request(100, w0, list);
  tr.acquired(100, w0, list);
  tr.request(200, w1, list); // waits for w0
  tr.request(300, w0, sec); // w0 waits for w2 while holding the list
  tr.released(1000, w2, sec);
  tr.acquired(1000, w0, sec);
  tr.released(1100, w0, sec);
  tr.released(1200, w0, list);
  tr.acquired(1200, w1, list);
  tr.released(1300, w1, list);
  tr.endSpan(1400, w0);
  tr.mark(1450, 'strategy: security lock per domain');
  tr.endSpan(1500, w1);
  return tr;
}

/** Prefix of `full`'s first `n` events, sharing its threads, locks and labels. */
function prefix(full: Trace, n: number): Trace {
  const tr = new Trace();
  tr.threads = full.threads;
  tr.locks = full.locks;
  tr.setLabels(full.labels);
  for (let i = 0; i < n; i++) tr.push(full.time[i], full.thread[i], full.kind[i] as 0, full.ref[i], full.mode[i], full.arg[i]);
  return tr;
}


describe('TimelineIndex', () => {
  it('derives waits, holds and spans per thread, with blocked-by edges', () => {
    const ix = new TimelineIndex(contended());
    ix.update();
    const waits: Array<[number, number, number, number]> = [];
    for (let id = 0; id < ix.size; id++) {
      if (ix.kindOf(id) === IntervalKind.Wait && ix.endOf(id) > ix.startOf(id)) {
        waits.push([ix.threadOf(id), ix.startOf(id), ix.endOf(id), ix.blockerOf(id)]);
      }
    }
    expect(waits).toEqual([
      [1, 200, 1200, 0],
      [0, 300, 1000, 2],
    ]);
    expect(ix.marks).toEqual([{ t: 1450, label: 'strategy: security lock per domain' }]);
    expect(ix.lockLanes[0].maxWaiting).toBe(1);
    expect(ix.depthAt(0, 500)).toBe(1);
    expect(ix.depthAt(0, 1250)).toBe(0);
  });

  it('follows the blocking chain to the root holder', () => {
    const ix = new TimelineIndex(contended());
    ix.update();
    let w1Wait = -1;
    for (let id = 0; id < ix.size; id++) if (ix.kindOf(id) === IntervalKind.Wait && ix.threadOf(id) === 1) w1Wait = id;
    // Worker 1 waits for worker 0, who at that moment... is not yet waiting (its wait starts at 300).
    expect(ix.chain(w1Wait).map((s) => s.holder)).toEqual([0]);
    let w0Wait = -1;
    for (let id = 0; id < ix.size; id++) if (ix.kindOf(id) === IntervalKind.Wait && ix.threadOf(id) === 0 && ix.refOf(id) === 1) w0Wait = id;
    expect(ix.chain(w0Wait).map((s) => s.holder)).toEqual([2]);
  });

  it('gives the same result fed in pieces as fed at once (live streaming vs bulk load)', () => {
    // A random valid trace has rwlocks and jobs held shared, same-ns events, nested spans.
    const random = [5, 17, 99].map((seed) => randomValidTrace(mulberry32(seed), { events: 6000, threads: 5, locks: 4, maxStep: 50 }));
    for (const full of [contended(), syntheticTrace({ intervals: 30_000, threads: 6, locks: 5, seed: 3 }), ...random]) {
      const whole = new TimelineIndex(full);
      whole.update();
      const growing = prefix(full, 0);
      const live = new TimelineIndex(growing);
      for (let i = 0; i < full.length; i++) {
        growing.push(full.time[i], full.thread[i], full.kind[i] as 0, full.ref[i], full.mode[i], full.arg[i]);
        if (i % 997 === 0 || (full.length < 100 && i % 3 === 0)) live.update();
      }
      live.update();
      expectSameIndex(live, whole);
      expect(live.marks).toEqual(whole.marks);
    }
  });

  it('gives the same index built on two sides, one running the builder and sending its batches, once the other adopts its builder and lanes (a shared bulk load), and after it grows', () => {
    // Traces of several batches of events (BATCH_EVENTS each).
    const random = [5, 17].map((seed) => randomValidTrace(mulberry32(seed), { events: 2.5 * BATCH_EVENTS, threads: 5, locks: 4, maxStep: 50 }));
    const traces = [contended(), syntheticTrace({ intervals: 1.6 * BATCH_EVENTS, threads: 6, locks: 5, seed: 3 }), ...random];
    expect(traces[1].length).toBeGreaterThan(2 * BATCH_EVENTS);
    // Either side may build the span rows, and all, none or half the lock lanes.
    const splits: IndexParts[] = [
      { threadRows: false, spans: true, lockLanes: 'odd' },
      { threadRows: false, spans: false, lockLanes: 'all' },
      { threadRows: false, spans: true, lockLanes: 'none' },
      { threadRows: false, spans: false, lockLanes: 'even' },
    ];
    for (const [i, workerParts] of splits.entries()) {
      for (const full of [traces[0], traces[1 + (i % 3)]]) {
        const whole = new TimelineIndex(full);
        whole.update();
        // Loaded at once up to a point (most of it: a bulk read), then growing as a live run does.
        const growing = prefix(full, Math.floor(full.length * 0.7));
        const page = new TimelineIndex(growing, otherSide(workerParts));
        const worker = new TimelineIndex(growing, workerParts);
        page.beginShared();
        // As the worker's messages arrive: copies of the batches (the builder reuses its arrays).
        worker.update((batch) => page.read(structuredClone(batch)));
        const { share, transfer } = worker.exportLanes();
        page.adoptLanes(structuredClone(share, { transfer }));
        for (let i = growing.length; i < full.length; i++) {
          growing.push(full.time[i], full.thread[i], full.kind[i] as 0, full.ref[i], full.mode[i], full.arg[i]);
          if (i % 501 === 0) page.update();
        }
        page.update();
        expectSameIndex(page, whole);
        expect(page.marks).toEqual(whole.marks);
      }
    }
  }, 30_000);

  it('refuses a builder and lanes built from another number of events than the batches it read', () => {
    const tr = contended();
    const page = new TimelineIndex(tr, { threadRows: true, spans: true, lockLanes: 'none' });
    page.beginShared();
    const worker = new TimelineIndex(tr, { threadRows: false, spans: false, lockLanes: 'all' });
    worker.update((batch) => page.read(structuredClone(batch)));
    const short = new TimelineIndex(prefix(tr, 5), { threadRows: false, spans: false, lockLanes: 'all' });
    short.update();
    expect(() => page.adoptLanes(short.exportLanes().share)).toThrow(/5 events/);
    // A batch out of turn.
    const again = new TimelineIndex(tr, { threadRows: false, spans: false, lockLanes: 'all' });
    expect(() => again.update((batch) => page.read(batch))).toThrow(/from event 0/);
  });

  it('finds the API call of every interval (the outermost span open when it began)', () => {
    const ix = new TimelineIndex(syntheticTrace({ intervals: 3000, threads: 4, locks: 3, seed: 5 }));
    ix.update();
    // By a scan: the latest outermost span of the thread opened before the interval and not closed by then.
    const { startEvent, endEvent } = ix.builder.intervals;
    for (let id = 0; id < ix.size; id++) {
      let expected = NONE;
      for (let s = id - 1; s >= 0; s--) {
        if (ix.threadOf(s) !== ix.threadOf(id) || ix.kindOf(s) !== IntervalKind.Span || ix.depth.data[s] !== 0) continue;
        if (endEvent[s] === NONE || endEvent[s] > startEvent[id]) expected = s;
        break;
      }
      expect(ix.apiOf(id)).toBe(expected);
    }
  });

  it('keeps open intervals visible up to the newest event', () => {
    const tr = new Trace();
    const w = tr.addThread('w', 'worker');
    const l = tr.addLock({ name: 'vm', class: 'domain-object', kind: 'mutex' });
    tr.request(5, w, l);
    tr.mark(50, 'tick');
    const ix = new TimelineIndex(tr);
    ix.update();
    expect(ix.isOpen(0)).toBe(true);
    expect(ix.endOf(0)).toBe(50);
    const found: number[] = [];
    ix.threadLanes[0].waits.forEachIn(ix.times(), 40, 45, (id) => {
      found.push(id);
    });
    expect(found).toEqual([0]);
  });

  it('finds exactly the intervals overlapping a window (binary search vs scan)', () => {
    const tr = syntheticTrace({ intervals: 20_000, threads: 8, locks: 6, seed: 7 });
    const ix = new TimelineIndex(tr);
    ix.update();
    const t0 = ix.endTime * 0.3;
    const t1 = ix.endTime * 0.35;
    for (const lane of ix.threadLanes) {
      const viaSearch: number[] = [];
      lane.holds.forEachIn(ix.times(), t0, t1, (id) => {
        viaSearch.push(id);
      });
      const viaScan: number[] = [];
      for (let id = 0; id < ix.size; id++) {
        if (ix.kindOf(id) === IntervalKind.Hold && ix.threadOf(id) === lane.thread && ix.endOf(id) >= t0 && ix.startOf(id) <= t1) viaScan.push(id);
      }
      expect(viaSearch.sort((a, b) => a - b)).toEqual(viaScan);
    }
  });

  it('records waits in the lane pyramid so they survive zooming out', () => {
    const ix = new TimelineIndex(contended());
    ix.update();
    const cols = new Uint8Array(2);
    // Whole trace in 2 pixels, worker 1's lane must show its wait.
    const lane = ix.threadLanes[1];
    // The wait sits on the row of the hold it leads to (its nesting depth).
    for (const lod of lane.lods) expect(lod.fillColumns(cols, 0, 1024)).toBe(true);
    expect(Array.from(cols).some(isWaitValue)).toBe(true);
    expect(ix.blockerOf(2)).toBe(NONE); // worker 2 found the security lock free
  });
});

describe('DashboardStats', () => {
  it('computes contention per lock and class and waiting per API call', () => {
    const ix = new TimelineIndex(contended());
    const stats = new DashboardStats(ix);
    ix.update();
    stats.update();
    const s = stats.snapshot();
    const list = s.locks.find((l) => l.name === 'domains');
    expect(list).toMatchObject({ acquisitions: 2, contended: 1, waitTotal: 1000, waitMax: 1000, holdTotal: 1100 + 100, maxWaiters: 1 });
    expect(list?.contendedPct).toBe(50);
    const define = s.apis.find((a) => a.name === 'virDomainDefineXML');
    expect(define?.count).toBe(1);
    expect(define?.p50).toBe(1500);
    expect(define?.waitByClass[2]).toBe(1000); // domain-list
    const create = s.apis.find((a) => a.name === 'virDomainCreateXML');
    expect(create?.waitByClass[0]).toBe(700); // security-manager
    expect(s.makespan).toBe(1500);
    expect(s.waitTotal).toBe(1700);
  });

  it('counts waits still in progress up to the newest event (live runs)', () => {
    const tr = new Trace();
    const a = tr.addThread('worker-a', 'worker');
    const b = tr.addThread('worker-b', 'worker');
    const vm = tr.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex' });
    tr.beginSpan(0, b, 'api', 'virDomainGetInfo', 'vm-1');
    tr.request(10, a, vm);
    tr.acquired(10, a, vm);
    tr.request(20, b, vm);
    tr.mark(520, 'now');
    const ix = new TimelineIndex(tr);
    const stats = new DashboardStats(ix);
    ix.update();
    stats.update();
    const s = stats.snapshot();
    expect(s.waitTotal).toBe(500);
    expect(s.locks.find((l) => l.name === 'vm-1')?.waitTotal).toBe(500);
    expect(s.apis.find((x) => x.name === 'virDomainGetInfo')?.waitByClass[3]).toBe(500);
    expect(s.apis.find((x) => x.name === 'virDomainGetInfo')?.count).toBe(0);
  });

  it('is incremental: updating in pieces gives the same snapshot', () => {
    const tr = syntheticTrace({ intervals: 5000, threads: 6, locks: 5, seed: 3 });
    const a = new TimelineIndex(tr);
    const sa = new DashboardStats(a);
    a.update();
    sa.update();
    const growing = new Trace();
    growing.threads = tr.threads;
    growing.locks = tr.locks;
    growing.setLabels(tr.labels);
    const b = new TimelineIndex(growing);
    const sb = new DashboardStats(b);
    for (let i = 0; i < tr.length; i++) {
      growing.push(tr.time[i], tr.thread[i], tr.kind[i] as 0, tr.ref[i], tr.mode[i], tr.arg[i]);
      if (i % 997 === 0) {
        b.update();
        sb.update();
      }
    }
    b.update();
    sb.update();
    const x = sa.snapshot();
    const y = sb.snapshot();
    expect(y.locks.map((l) => [l.name, l.waitTotal, l.waitP95, l.holdTotal])).toEqual(x.locks.map((l) => [l.name, l.waitTotal, l.waitP95, l.holdTotal]));
    expect(y.apis.map((r) => [r.name, r.count, r.p95])).toEqual(x.apis.map((r) => [r.name, r.count, r.p95]));
  });
});
