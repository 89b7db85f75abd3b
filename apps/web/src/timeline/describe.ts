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
  const kind = index.kind.data[id];
  const th = index.thread.data[id];
  const s = index.start.data[id];
  const e = index.endOf(id);
  const open = index.isOpen(id);
  const fields: Array<[string, string]> = [['thread', tr.threads[th]?.name ?? String(th)]];
  const apiId = kind === IntervalKind.Span && index.api.data[id] === NONE ? id : index.api.data[id];
  if (apiId !== NONE) {
    fields.push(['API call', tr.labels[index.ref.data[apiId]] ?? '?']);
    const subj = index.aux.data[apiId];
    if (subj !== NONE) fields.push(['domain', tr.labels[subj] ?? '?']);
  }
  if (kind === IntervalKind.Span) {
    const label = tr.labels[index.ref.data[id]] ?? '?';
    const spanKind = SPAN_KINDS[index.mode.data[id]] ?? 'api';
    if (index.api.data[id] !== NONE) fields.push(['phase', label]);
    fields.push(['duration', formatNs(e - s) + (open ? ' (running)' : '')]);
    fields.push(['start', formatNs(s)]);
    return { title: spanKind === 'queue' ? `queued: ${label}` : label, kind: 'span', fields };
  }
  const lock = tr.locks[index.ref.data[id]];
  fields.push(['lock', lock ? `${lock.name}${lock.subject ? ` (${lock.subject})` : ''}` : '?']);
  if (lock) fields.push(['class', lock.class]);
  fields.push(['mode', LOCK_MODES[index.mode.data[id]] ?? 'exclusive']);
  if (kind === IntervalKind.Wait) {
    fields.push(['wait time', formatNs(e - s) + (open ? ' (still waiting)' : '')]);
    const holder = index.aux.data[id];
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
  const kind = index.kind.data;
  const ref = index.ref.data;
  const aux = index.aux.data;
  for (let id = 0; id < n && out.length < limit; id++) {
    const k = kind[id];
    if (k === IntervalKind.Span) {
      if (labelHit[ref[id]] || (aux[id] !== NONE && labelHit[aux[id]])) out.push(id);
    } else if (lockHit[ref[id]] && (k === IntervalKind.Hold || index.endOf(id) > index.start.data[id])) {
      out.push(id);
    }
  }
  return Uint32Array.from(out);
}
