import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { LOCK_CLASSES, NONE, SPAN_KINDS, Trace, mulberry32, randomValidTrace, validateTrace, type Mode } from '@lockscope/trace';
import { clipTrace, marksSplit, marksSplitOffThread, rangeStats, rangeStatsOffThread } from './range.js';
import { IntervalKind, TimelineIndex } from './timelineIndex.js';

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

// The cut as first written, event by event from the intervals, with a sort: slow (an object per
// interval) but plain; the fast cut must give the same events.
/** One event of the cut trace: sorted by time, then by `order` (see clipTrace). */
interface Cut {
  t: number;
  order: number;
  emit: (tr: Trace) => void;
}

function clipByCuts(index: TimelineIndex, t0: number, t1: number): Trace {
  const src = index.source;
  const out = new Trace(1024);
  for (const th of src.threads) out.addThread(th.name, th.role);
  for (const l of src.locks) out.addLock({ name: l.name, class: l.class, kind: l.kind, subject: l.subject });
  const iv = index.builder.intervals;
  const cuts: Cut[] = [];
  const n = index.size;
  // Ties: opened at t0 first (outer spans before inner), then the original event order.
  const atStart = (depth: number): number => -1e6 + depth;
  for (let id = 0; id < n; id++) {
    const s = index.startOf(id);
    if (s > t1) continue;
    const open = index.isOpen(id);
    const e = index.endOf(id);
    const kind = index.kindOf(id);
    // (a wait that ends at t0 still leads to its hold: request and acquisition at t0)
    // (what is still open at t0 = the trace end is in progress there: not over)
    if (e < t0 || (e === t0 && s < t0 && kind !== IntervalKind.Wait && !open)) continue;
    const th = index.threadOf(id);
    const ref = index.refOf(id);
    const mode = index.modeOf(id) as Mode;
    const cs = Math.max(s, t0);
    const sOrder = s < t0 ? atStart(kind === IntervalKind.Span ? index.depth.data[id] : 0) : iv.startEvent[id];
    if (kind === IntervalKind.Span) {
      const label = src.labels[ref];
      const sub = index.subjectOf(id);
      const spanKind = SPAN_KINDS[mode] ?? 'api';
      cuts.push({ t: cs, order: sOrder, emit: (tr) => tr.beginSpan(cs, th, spanKind, label, sub === NONE ? undefined : src.labels[sub]) });
      if (!open && e <= t1) cuts.push({ t: e, order: iv.endEvent[id], emit: (tr) => tr.endSpan(e, th) });
    } else if (kind === IntervalKind.Wait) {
      cuts.push({ t: cs, order: sOrder, emit: (tr) => tr.request(cs, th, ref, mode) });
      // The acquisition, when it happens within the range (later ones: a wait in progress).
      if (!open && e <= t1) cuts.push({ t: e, order: iv.endEvent[id], emit: (tr) => tr.acquired(e, th, ref, mode) });
    } else {
      // A hold from before the range: requested and acquired at t0 (its wait was before).
      if (s < t0) {
        cuts.push({ t: t0, order: atStart(0), emit: (tr) => tr.request(t0, th, ref, mode) });
        cuts.push({ t: t0, order: atStart(1), emit: (tr) => tr.acquired(t0, th, ref, mode) });
      }
      if (!open && e <= t1) cuts.push({ t: e, order: iv.endEvent[id], emit: (tr) => tr.released(e, th, ref, mode) });
    }
  }
  // Marks (strategy changes) inside the range.
  for (const m of index.marks) if (m.t >= t0 && m.t <= t1) cuts.push({ t: m.t, order: -2e6, emit: (tr) => tr.mark(m.t, m.label) });
  cuts.sort((a, b) => a.t - b.t || a.order - b.order);
  for (const c of cuts) c.emit(out);
  // The cut trace lasts to the range's end: waits in progress there are measured up to it.
  const last = Math.min(t1, index.endTime);
  if (out.length === 0 || out.time[out.length - 1] < last) out.mark(last, 'end of the range');
  return out;
}


describe('time range statistics', () => {
  it('cuts exactly as the plain cut does, on random traces and ranges', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean(), (seed, a, b, onEvents) => {
        const trace = randomValidTrace(mulberry32(seed), { events: 300, maxStep: 5 });
        const ix = new TimelineIndex(trace);
        ix.update();
        // Range ends on event times (ties are where cuts go wrong) or anywhere.
        const at = (x: number): number => (onEvents ? trace.time[Math.floor(x * (trace.length - 1))] : x * ix.endTime * 1.1);
        const [t0, t1] = [at(a), at(b)].sort((x, y) => x - y);
        const events = (tr: Trace) => Array.from({ length: tr.length }, (_, i) => tr.event(i));
        expect(events(clipTrace(ix, t0, t1))).toEqual(events(clipByCuts(ix, t0, t1)));
      }),
      { numRuns: 300 },
    );
  });

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

  it('gives the same statistics counted off the page thread (here without a Worker: in line)', async () => {
    const ix = twoWorkers();
    expect(await rangeStatsOffThread(ix, 150, 250)).toEqual(rangeStats(ix, 150, 250));
    expect(await marksSplitOffThread(ix)).toEqual(marksSplit(ix));
  });

  it('splits the statistics before and after each strategy mark', () => {
    const split = marksSplit(twoWorkers());
    expect(split.map((s) => s.label)).toEqual(['security.lock=per-domain']);
    const sec = LOCK_CLASSES.indexOf('security-manager');
    expect(split[0].before.waitByClass[sec]).toBe(100);
    expect(split[0].after.waitByClass[sec]).toBe(100);
  });
});
