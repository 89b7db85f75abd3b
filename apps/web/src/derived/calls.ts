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
  const trace = index.source;
  const waitedBy = new Map<number, Float64Array>();
  const n = index.size;
  const kind = index.kind.data;
  const api = index.api.data;
  for (let id = 0; id < n; id++) {
    if (kind[id] !== IntervalKind.Wait || api[id] === NONE || index.isOpen(id)) continue;
    const d = index.end.data[id] - index.start.data[id];
    if (d <= 0) continue;
    let w = waitedBy.get(api[id]);
    if (!w) waitedBy.set(api[id], (w = new Float64Array(LOCK_CLASSES.length)));
    w[index.lockClassOf(index.ref.data[id])] += d;
  }
  const out = new Map<string, CallFigures>();
  const seen = new Map<string, number>();
  for (let id = 0; id < n; id++) {
    if (kind[id] !== IntervalKind.Span || api[id] !== NONE || index.mode.data[id] !== API_KIND || index.isOpen(id)) continue;
    const label = trace.labels[index.ref.data[id]] ?? '?';
    const subject = index.aux.data[id] === NONE ? '' : (trace.labels[index.aux.data[id]] ?? '');
    const base = subject ? `${label} ${subject}` : label;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    const w = waitedBy.get(id);
    const waitByClass = w ? Array.from(w) : LOCK_CLASSES.map(() => 0);
    out.set(k === 1 ? base : `${base} #${k}`, {
      key: k === 1 ? base : `${base} #${k}`,
      label,
      subject,
      latency: index.end.data[id] - index.start.data[id],
      waited: waitByClass.reduce((s, x) => s + x, 0),
      waitByClass,
    });
  }
  return out;
}

/**
 * Every API call started so far (finished or not) by the same key as callFigures: what the
 * compare view aligns across runs while they are still going.
 */
export function callKeys(index: TimelineIndex): Map<string, number> {
  const trace = index.source;
  const out = new Map<string, number>();
  const seen = new Map<string, number>();
  const { kind, api, mode, ref, aux } = { kind: index.kind.data, api: index.api.data, mode: index.mode.data, ref: index.ref.data, aux: index.aux.data };
  for (let id = 0; id < index.size; id++) {
    if (kind[id] !== IntervalKind.Span || api[id] !== NONE || mode[id] !== API_KIND) continue;
    const label = trace.labels[ref[id]] ?? '?';
    const base = aux[id] === NONE ? label : `${label} ${trace.labels[aux[id]] ?? ''}`;
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    out.set(k === 1 ? base : `${base} #${k}`, id);
  }
  return out;
}

/** The same call in another run of the same workload: the API span aligned with `span`, or -1. */
export function alignedCall(from: Map<string, number>, to: Map<string, number>, span: number): number {
  for (const [key, id] of from) if (id === span) return to.get(key) ?? -1;
  return -1;
}
