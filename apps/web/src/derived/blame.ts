// Why waits were long, from the derived intervals:
// - blameByLock: per lock, the time threads waited for it, split by what the thread holding it
//   was doing meanwhile: itself waiting for another lock (named), or running. A lock held long
//   because its holder queued behind the security manager shows that at once.
// - timeByLock: for one API call, the time its thread waited for and held each lock inside it.

import { NONE } from '@lockscope/trace';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

export interface BlameRow {
  lock: number;
  name: string;
  lockClass: string;
  /** ns waited for this lock (finished and ongoing waits). */
  waited: number;
  /** ns of that waiting during which the holder was itself waiting, per lock it waited for. */
  holderWaiting: Array<{ lock: number; name: string; ns: number }>;
  /** ns of that waiting during which the holder was not itself waiting (it ran, or the lock was
   * being handed over). */
  holderRunning: number;
}

function lockName(index: TimelineIndex, lock: number): string {
  const info = index.source.locks[lock];
  if (!info) return String(lock);
  return info.subject && !info.name.includes(info.subject) ? `${info.name} ${info.subject}` : info.name;
}

/**
 * Per lock with waits, most waited first. Over each wait, the lock's holders are followed as
 * they change (its holds overlapping the wait), and each holder's own waits in that stretch are
 * what the waiting is blamed on.
 */
export function blameByLock(index: TimelineIndex): BlameRow[] {
  return runToEnd(blameByLockSteps(index));
}

/** blameByLock as steps: it yields every BLAME_STEP intervals, so that a page can spread the
 * work of millions of waits over frames (see `sliced`). */
export function* blameByLockSteps(index: TimelineIndex): Generator<void, BlameRow[]> {
  const rows = new Map<number, { waited: number; by: Map<number, number> }>();
  const times = index.times();
  // (the intervals of now: a live run may grow between steps)
  const n = index.size;
  for (let w = 0; w < n; w++) {
    if (w % BLAME_STEP === BLAME_STEP - 1) yield;
    if (index.kindOf(w) !== IntervalKind.Wait) continue;
    const s = index.startOf(w);
    const e = index.endOf(w);
    if (e <= s) continue;
    const lock = index.refOf(w);
    let r = rows.get(lock);
    if (!r) rows.set(lock, (r = { waited: 0, by: new Map() }));
    r.waited += e - s;
    const row = r;
    index.lockLanes[lock]?.holds.forEachIn(times, s, e, (h) => {
      const holder = index.threadOf(h);
      if (holder === index.threadOf(w)) return;
      const a = Math.max(s, index.startOf(h));
      const b = Math.min(e, index.endOf(h));
      if (b <= a) return;
      index.threadLanes[holder]?.waits.forEachIn(times, a, b, (hw) => {
        const overlap = Math.min(b, index.endOf(hw)) - Math.max(a, index.startOf(hw));
        if (overlap > 0) row.by.set(index.refOf(hw), (row.by.get(index.refOf(hw)) ?? 0) + overlap);
      });
    });
  }
  const out: BlameRow[] = [];
  for (const [lock, r] of rows) {
    const holderWaiting = [...r.by].map(([l, ns]) => ({ lock: l, name: lockName(index, l), ns })).sort((a, b) => b.ns - a.ns);
    const blocked = holderWaiting.reduce((n, x) => n + x.ns, 0);
    out.push({ lock, name: lockName(index, lock), lockClass: index.source.locks[lock]?.class ?? 'other', waited: r.waited, holderWaiting, holderRunning: Math.max(0, r.waited - blocked) });
  }
  return out.sort((a, b) => b.waited - a.waited || a.lock - b.lock);
}

const BLAME_STEP = 16_384;

function runToEnd<T>(steps: Generator<void, T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

export interface CallLockTime {
  lock: number;
  name: string;
  lockClass: string;
  waited: number;
  held: number;
}

/** The API call (outermost span) an interval belongs to, or -1. */
export function callOf(index: TimelineIndex, id: number): number {
  if (id < 0 || id >= index.size) return -1;
  if (index.kindOf(id) === IntervalKind.Span && index.apiOf(id) === NONE) return id;
  const api = index.apiOf(id);
  return api === NONE ? -1 : api;
}

/** Time waited for and held per lock by the call's thread within the call, most first. */
export function timeByLock(index: TimelineIndex, call: number): CallLockTime[] {
  const th = index.threadOf(call);
  const lane = index.threadLanes[th];
  if (!lane) return [];
  const s = index.startOf(call);
  const e = index.endOf(call);
  const times = index.times();
  const by = new Map<number, CallLockTime>();
  const add = (id: number, field: 'waited' | 'held'): void => {
    const d = Math.min(e, index.endOf(id)) - Math.max(s, index.startOf(id));
    if (d <= 0) return;
    const lock = index.refOf(id);
    let r = by.get(lock);
    if (!r) by.set(lock, (r = { lock, name: lockName(index, lock), lockClass: index.source.locks[lock]?.class ?? 'other', waited: 0, held: 0 }));
    r[field] += d;
  };
  lane.waits.forEachIn(times, s, e, (id) => add(id, 'waited'));
  lane.holds.forEachIn(times, s, e, (id) => add(id, 'held'));
  return [...by.values()].sort((a, b) => b.waited - a.waited || b.held - a.held);
}
