// Individual API calls (an API label on one domain, e.g. virDomainCreateXML vm-07): how long each
// took and what it waited for. The compare view aligns them by key across two runs of the same
// workload, which shows which waits a strategy removes call by call.

import { LOCK_CLASSES, NONE, SPAN_KINDS } from '@lockscope/trace';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

export interface CallFigures {
  key: string;
  label: string;
  subject: string;
  /** ns from the call's start to its end (finished calls only). */
  latency: number;
  /** ns waited for locks inside the call. */
  waited: number;
  waitByClass: number[];
}

const API_KIND = SPAN_KINDS.indexOf('api');

/**
 * Finished API calls keyed by "label subject" (with "#n" for the n-th call of the same key, so
 * repeated calls align in order).
 */
export function callFigures(index: TimelineIndex): Map<string, CallFigures> {
  const { startEvent, endEvent } = index.builder.intervals;
  const classes = LOCK_CLASSES.length;
  // Time waited per call and lock class, one row per call span (by its position among the
  // thread's outermost spans): a single array, not an object per call.
  const rowOf = new Map<number, number>();
  let rows = 0;
  for (const lane of index.threadLanes) {
    const calls = lane.spans[0]?.slots[0];
    if (calls) for (let c = 0; c < calls.length; c++) rowOf.set(calls.data[c], rows++);
  }
  const waited = new Float64Array(rows * classes);
  // Each thread's waits and calls are in start order and its calls never overlap: one merge
  // per thread finds the call each wait happened in (the call open when the wait began).
  for (const lane of index.threadLanes) {
    const calls = lane.spans[0]?.slots[0];
    const waits = lane.waits.slots[0];
    if (!calls || !waits) continue;
    const first = rowOf.get(calls.data[0]) ?? 0;
    let c = 0;
    for (let k = 0; k < waits.length; k++) {
      const w = waits.data[k];
      const e = startEvent[w];
      while (c < calls.length && endEvent[calls.data[c]] !== NONE && endEvent[calls.data[c]] < e) c++;
      if (c === calls.length) break;
      if (startEvent[calls.data[c]] > e || index.isOpen(w)) continue;
      const d = index.endOf(w) - index.startOf(w);
      if (d > 0) waited[(first + c) * classes + index.lockClassOf(index.refOf(w))] += d;
    }
  }
  const out = new Map<string, CallFigures>();
  forEachCall(index, (id, key, label, subject) => {
    if (index.isOpen(id)) return;
    const at = (rowOf.get(id) ?? 0) * classes;
    const waitByClass: number[] = [];
    let total = 0;
    for (let k = 0; k < classes; k++) {
      waitByClass.push(waited[at + k]);
      total += waited[at + k];
    }
    out.set(key, { key, label, subject, latency: index.endOf(id) - index.startOf(id), waited: total, waitByClass });
  });
  return out;
}

/** Every API call (outermost span of kind api) in start order, with its key "label subject"
 * ("#n" for the n-th call of the same key). */
function forEachCall(index: TimelineIndex, fn: (id: number, key: string, label: string, subject: string) => void): void {
  const trace = index.source;
  const seen = new Map<string, number>();
  const depth = index.depth.data;
  for (let id = 0; id < index.size; id++) {
    if (depth[id] !== 0 || index.kindOf(id) !== IntervalKind.Span || index.modeOf(id) !== API_KIND) continue;
    const label = trace.labels[index.refOf(id)] ?? '?';
    const sub = index.subjectOf(id);
    const subject = sub === NONE ? '' : (trace.labels[sub] ?? '');
    const base = subject ? `${label} ${subject}` : label;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    fn(id, k === 1 ? base : `${base} #${k}`, label, subject);
  }
}

/**
 * Every API call started so far (finished or not) by the same key as callFigures: what the
 * compare view aligns across runs while they are still going.
 */
export function callKeys(index: TimelineIndex): Map<string, number> {
  const out = new Map<string, number>();
  forEachCall(index, (id, key) => out.set(key, id));
  return out;
}

/** The same call in another run of the same workload: the API span aligned with `span`, or -1. */
export function alignedCall(from: Map<string, number>, to: Map<string, number>, span: number): number {
  for (const [key, id] of from) if (id === span) return to.get(key) ?? -1;
  return -1;
}
