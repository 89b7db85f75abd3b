// Words for one interval: what the tooltip and the details panel show.

import { LOCK_MODES, NONE, SPAN_KINDS } from '@lockscope/trace';
import { IntervalKind, type TimelineIndex } from '../derived/timelineIndex.js';
import { formatNs } from '../format.js';

export interface Description {
  title: string;
  kind: 'wait' | 'hold' | 'span';
  fields: Array<[string, string]>;
}

export function describeInterval(index: TimelineIndex, id: number): Description {
  const tr = index.source;
  const kind = index.kindOf(id);
  const th = index.threadOf(id);
  const s = index.startOf(id);
  const e = index.endOf(id);
  const open = index.isOpen(id);
  const fields: Array<[string, string]> = [['thread', tr.threads[th]?.name ?? String(th)]];
  const apiId = kind === IntervalKind.Span && index.apiOf(id) === NONE ? id : index.apiOf(id);
  if (apiId !== NONE) {
    fields.push(['API call', tr.labels[index.refOf(apiId)] ?? '?']);
    const subj = index.subjectOf(apiId);
    if (subj !== NONE) fields.push(['domain', tr.labels[subj] ?? '?']);
  }
  if (kind === IntervalKind.Span) {
    const label = tr.labels[index.refOf(id)] ?? '?';
    const spanKind = SPAN_KINDS[index.modeOf(id)] ?? 'api';
    if (index.apiOf(id) !== NONE) fields.push(['phase', label]);
    fields.push(['duration', formatNs(e - s) + (open ? ' (running)' : '')]);
    fields.push(['start', formatNs(s)]);
    return { title: spanKind === 'queue' ? `queued: ${label}` : label, kind: 'span', fields };
  }
  const lock = tr.locks[index.refOf(id)];
  fields.push(['lock', lock ? `${lock.name}${lock.subject ? ` (${lock.subject})` : ''}` : '?']);
  if (lock) fields.push(['class', lock.class]);
  fields.push(['mode', LOCK_MODES[index.modeOf(id)] ?? 'exclusive']);
  if (kind === IntervalKind.Wait) {
    fields.push(['wait time', formatNs(e - s) + (open ? ' (still waiting)' : '')]);
    const holder = index.blockerOf(id);
    if (holder !== NONE) fields.push(['blocked by', tr.threads[holder]?.name ?? String(holder)]);
    // The hold that followed this wait.
    fields.push(['start', formatNs(s)]);
    return { title: `waiting for ${lock?.name ?? 'lock'}`, kind: 'wait', fields };
  }
  fields.push(['hold time', formatNs(e - s) + (open ? ' (still held)' : '')]);
  fields.push(['start', formatNs(s)]);
  return { title: `holding ${lock?.name ?? 'lock'}`, kind: 'hold', fields };
}

/** Interval ids whose API call, domain, phase or lock name contains `query` (case-insensitive). */
export function searchIntervals(index: TimelineIndex, query: string, limit = 200_000): Uint32Array {
  const q = query.trim().toLowerCase();
  if (!q) return new Uint32Array(0);
  const tr = index.source;
  const labelHit = tr.labels.map((l) => l.toLowerCase().includes(q));
  const lockHit = tr.locks.map((l) => l.name.toLowerCase().includes(q) || (l.subject ?? '').toLowerCase().includes(q) || l.class.includes(q));
  const out: number[] = [];
  const n = index.size;
  for (let id = 0; id < n && out.length < limit; id++) {
    const k = index.kindOf(id);
    const ref = index.refOf(id);
    if (k === IntervalKind.Span) {
      const subject = index.subjectOf(id);
      if (labelHit[ref] || (subject !== NONE && labelHit[subject])) out.push(id);
    } else if (lockHit[ref] && (k === IntervalKind.Hold || index.endOf(id) > index.startOf(id))) {
      out.push(id);
    }
  }
  return Uint32Array.from(out);
}
