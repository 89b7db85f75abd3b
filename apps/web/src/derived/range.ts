// A time range of a trace as a trace of its own: every wait, hold and API span that overlaps
// [t0, t1] is cut to the range (what was open at t0 begins at t0; what is still open at t1 stays
// open: a wait or call in progress at the range's end, as in a live run). The statistics of a range
// are then the same statistics (@lockscope/trace's StatsAccumulator, through DashboardStats) of
// this smaller trace: no second way of counting.

import { bisectLeft } from 'd3';
import { EventKind, NONE, Trace } from '@lockscope/trace';
import { DashboardStats, type StatsSnapshot } from './stats.js';
import { statsOffThread } from './offthread.js';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

export function clipTrace(index: TimelineIndex, t0: number, t1: number): Trace {
  const src = index.source;
  const out = new Trace(1024);
  for (const th of src.threads) out.addThread(th.name, th.role);
  for (const l of src.locks) out.addLock({ name: l.name, class: l.class, kind: l.kind, subject: l.subject });
  // Same label ids: events are copied as they are.
  out.appendLabels(src.labels);
  const { time, thread, kind, ref, mode, arg } = src;
  const { startEvent, endEvent } = index.builder.intervals;

  // What was going on at t0 (begun before it and not over before it) begins at t0: found in the
  // thread lanes, which hold every interval. Ordered outer spans first, then the waits and the
  // holds' requests, then the holds' acquisitions and inner spans, each level in start order.
  const begun: Array<{ level: number; id: number; acquired: boolean }> = [];
  // Closing events at t0 of what ended exactly there (a wait ending at t0 still leads to its
  // hold: request and acquisition at t0).
  const dropped = new Set<number>();
  const times = index.times();
  const atStart = (id: number): void => {
    if (!(index.startOf(id) < t0)) return; // begins in the range: its own events
    const e = index.endOf(id);
    const k = index.kindOf(id);
    if (e < t0) return;
    if (e === t0 && !index.isOpen(id) && k !== IntervalKind.Wait) {
      dropped.add(endEvent[id]);
      return;
    }
    if (k === IntervalKind.Span) begun.push({ level: index.depth.data[id], id, acquired: false });
    else {
      begun.push({ level: 0, id, acquired: false });
      if (k === IntervalKind.Hold) begun.push({ level: 1, id, acquired: true });
    }
  };
  for (const lane of index.threadLanes) {
    lane.holds.forEachIn(times, t0, t0, atStart);
    lane.waits.forEachIn(times, t0, t0, atStart);
    for (const spans of lane.spans) spans.forEachIn(times, t0, t0, atStart);
  }
  begun.sort((a, b) => a.level - b.level || a.id - b.id || Number(a.acquired) - Number(b.acquired));

  // The events in [t0, t1] in their order, a time's marks first (a strategy change applies to
  // what happens at its time); what was going on at t0 right after t0's marks.
  const n = src.length;
  let i = bisectLeft(time, t0, 0, n);
  const pushBegun = (): void => {
    for (const b of begun) {
      const e = startEvent[b.id];
      const k = kind[e];
      if (k === EventKind.SpanBegin) out.push(t0, thread[e], k, ref[e], mode[e], arg[e]);
      else out.push(t0, thread[e], b.acquired ? EventKind.LockAcquired : EventKind.LockRequest, ref[e], mode[e], NONE);
    }
  };
  // (with no event at t0 itself, they come first)
  let begunDone = i >= n || time[i] > t0;
  if (begunDone) pushBegun();
  while (i < n && time[i] <= t1) {
    const t = time[i];
    let j = i;
    while (j < n && time[j] === t) j++;
    for (let k = i; k < j; k++) if (kind[k] === EventKind.Mark) out.mark(t, src.labels[ref[k]] ?? '');
    if (!begunDone) {
      pushBegun();
      begunDone = true;
    }
    for (let k = i; k < j; k++) if (kind[k] !== EventKind.Mark && !dropped.has(k)) out.push(t, thread[k], kind[k] as EventKind, ref[k], mode[k], arg[k]);
    i = j;
  }
  // The cut trace lasts to the range's end: waits in progress there are measured up to it.
  const last = Math.min(t1, index.endTime);
  if (out.length === 0 || out.time[out.length - 1] < last) out.mark(last, 'end of the range');
  return out;
}

/** The cut of [t0, t1] and its interval count (the events that open one: no need to derive them). */
function cutOf(index: TimelineIndex, t0: number, t1: number): { cut: Trace; size: number } {
  const cut = clipTrace(index, t0, t1);
  let size = 0;
  for (let i = 0; i < cut.length; i++) {
    const k = cut.kind[i];
    if (k === EventKind.LockRequest || k === EventKind.LockAcquired || k === EventKind.SpanBegin) size++;
  }
  return { cut, size };
}

/** Statistics of [t0, t1] of a trace: the dashboard's statistics of the cut trace. */
export function rangeStats(index: TimelineIndex, t0: number, t1: number): StatsSnapshot {
  const { cut, size } = cutOf(index, t0, t1);
  const stats = new DashboardStats({ source: cut, size });
  stats.update();
  return stats.snapshot();
}

/** rangeStats, the statistics computed in a Web Worker (the cut is quick; counting is not). */
export function rangeStatsOffThread(index: TimelineIndex, t0: number, t1: number): Promise<StatsSnapshot> {
  const { cut, size } = cutOf(index, t0, t1);
  return statsOffThread(cut, size);
}

export interface MarkSplit {
  label: string;
  t: number;
  before: StatsSnapshot;
  after: StatsSnapshot;
}

/** The trace cut at each strategy mark: statistics before and after each change. */
export function marksSplit(index: TimelineIndex): MarkSplit[] {
  return markRanges(index).map((m) => ({ label: m.label, t: m.t, before: rangeStats(index, m.before[0], m.before[1]), after: rangeStats(index, m.after[0], m.after[1]) }));
}

/** marksSplit, the statistics computed in a Web Worker. */
export async function marksSplitOffThread(index: TimelineIndex): Promise<MarkSplit[]> {
  return Promise.all(
    markRanges(index).map(async (m) => ({
      label: m.label,
      t: m.t,
      before: await rangeStatsOffThread(index, m.before[0], m.before[1]),
      after: await rangeStatsOffThread(index, m.after[0], m.after[1]),
    })),
  );
}

function markRanges(index: TimelineIndex): Array<{ label: string; t: number; before: [number, number]; after: [number, number] }> {
  const marks = index.marks;
  return marks.map((m, i) => ({ label: m.label, t: m.t, before: [i > 0 ? marks[i - 1].t : 0, m.t], after: [m.t, i + 1 < marks.length ? marks[i + 1].t : index.endTime] }));
}
