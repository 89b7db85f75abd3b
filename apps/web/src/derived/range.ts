// A time range of a trace as a trace of its own: every wait, hold and API span that overlaps
// [t0, t1] is cut to the range (what was open at t0 begins at t0; what is still open at t1 stays
// open: a wait or call in progress at the range's end, as in a live run). The statistics of a range
// are then the same statistics (@lockscope/trace's StatsAccumulator, through DashboardStats) of
// this smaller trace: no second way of counting.

import { NONE, SPAN_KINDS, Trace, type Mode } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';
import { IntervalKind, TimelineIndex } from './timelineIndex.js';

/** One event of the cut trace: sorted by time, then by `order` (see clipTrace). */
interface Cut {
  t: number;
  order: number;
  emit: (tr: Trace) => void;
}

export function clipTrace(index: TimelineIndex, t0: number, t1: number): Trace {
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
    if (e < t0 || (e === t0 && s < t0 && kind !== IntervalKind.Wait)) continue;
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

/** Statistics of [t0, t1] of a trace: the dashboard's statistics of the cut trace. */
export function rangeStats(index: TimelineIndex, t0: number, t1: number): StatsSnapshot {
  const cut = new TimelineIndex(clipTrace(index, t0, t1));
  const stats = new DashboardStats(cut);
  cut.update();
  stats.update();
  return stats.snapshot();
}

/** The trace cut at each strategy mark: statistics before and after each change. */
export function marksSplit(index: TimelineIndex): Array<{ label: string; t: number; before: StatsSnapshot; after: StatsSnapshot }> {
  const marks = index.marks;
  return marks.map((m, i) => ({
    label: m.label,
    t: m.t,
    before: rangeStats(index, i > 0 ? marks[i - 1].t : 0, m.t),
    after: rangeStats(index, m.t, i + 1 < marks.length ? marks[i + 1].t : index.endTime),
  }));
}
