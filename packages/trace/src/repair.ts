// Repairs of foreign traces: what real recorders produce that Lockscope's invariants refuse
// (validate.ts), fixed in the least surprising way and reported, so that a trace Perfetto opens
// opens here too. Lockscope's own formats are never repaired; `lockscope validate` is strict.
//
// Repairs, on events in time order:
// - wait-interrupted: a thread waiting for a lock does something else (another lock, a span)
//   before it gets it, e.g. a job wait during which the thread takes other locks. The wait is
//   restarted after the thread's last other event (its request moves there).
// - acquire-without-request: an acquisition with no wait recorded gets a request at its time.
// - overlapping-hold: a lock held exclusive by another thread (or taken again by the same thread)
//   when it is acquired: an event was lost; the earlier hold is released at that time.
// - unmatched-release: a release of a lock the thread does not hold is dropped; a release in the
//   other mode releases the mode held.
// - unmatched-end: a span end without a begin, or an async end without a begin, is dropped.
// Begins without an end at the edges (holds, spans, waits still open at the end) need no repair.
import type { LockMode, Trace, TraceEvent } from './model.js';

export const REPAIR_KINDS = ['wait-interrupted', 'acquire-without-request', 'overlapping-hold', 'unmatched-release', 'unmatched-end'] as const;
export type RepairKind = (typeof REPAIR_KINDS)[number];

/** One kind of repair: how many times, and the first few places, in words. */
export interface RepairWarning {
  kind: RepairKind;
  count: number;
  examples: string[];
}

const MAX_EXAMPLES = 3;

/** Collects repairs by kind. */
export class RepairLog {
  private readonly byKind = new Map<RepairKind, RepairWarning>();

  add(kind: RepairKind, example: () => string): void {
    let w = this.byKind.get(kind);
    if (!w) this.byKind.set(kind, (w = { kind, count: 0, examples: [] }));
    w.count++;
    if (w.examples.length < MAX_EXAMPLES) w.examples.push(example());
  }

  get warnings(): RepairWarning[] {
    return REPAIR_KINDS.flatMap((k) => (this.byKind.has(k) ? [this.byKind.get(k)!] : []));
  }
}

/** One line per kind, for humans (the CLI prints these). */
export function formatRepairs(warnings: readonly RepairWarning[]): string[] {
  return warnings.map((w) => `repaired ${w.count} x ${w.kind}: ${w.examples.join('; ')}${w.count > w.examples.length ? '; ...' : ''}`);
}

interface Held {
  mode: LockMode;
}

/**
 * Repairs `events` (in time order, dictionaries in `trace`) so that they pass validateTrace, and
 * returns them in order. Times never go back: moved requests keep the time of the event they
 * follow.
 */
export function repairEvents(trace: Trace, events: readonly TraceEvent[], log: RepairLog): TraceEvent[] {
  const out: (TraceEvent | null)[] = [];
  /** Events to insert right after out[i]. */
  const after = new Map<number, TraceEvent[]>();
  const pending = new Map<number, { lock: number; mode: LockMode; at: number }>();
  const deferred = new Map<number, Map<number, LockMode>>();
  const lastAt = new Map<number, number>();
  const lastTime = new Map<number, number>();
  const held = new Map<number, Map<number, Held>>();
  const exclusive = new Map<number, number>();
  const sharedBy = new Map<number, Set<number>>();
  const depth = new Map<number, number>();
  const where = (th: number, lock: number, t: number) => `thread ${trace.threads[th]?.name ?? th}, lock ${trace.locks[lock]?.name ?? lock} at ${t} ns`;
  const heldBy = (th: number) => {
    let m = held.get(th);
    if (!m) held.set(th, (m = new Map()));
    return m;
  };
  const emit = (ev: TraceEvent): void => {
    out.push(ev);
    if (ev.kind !== 'mark') {
      lastAt.set(ev.thread, out.length - 1);
      lastTime.set(ev.thread, ev.t);
    }
  };
  /** Thread th does something other than acquiring what it waits for: its wait restarts later. */
  const interrupt = (th: number, t: number): void => {
    const p = pending.get(th);
    if (!p) return;
    pending.delete(th);
    out[p.at] = null;
    let d = deferred.get(th);
    if (!d) deferred.set(th, (d = new Map()));
    d.set(p.lock, p.mode);
    log.add('wait-interrupted', () => `${where(th, p.lock, t)}: the thread did other work while waiting`);
  };
  const release = (th: number, lock: number, t: number): void => {
    const h = heldBy(th).get(lock);
    if (!h) return;
    interrupt(th, t);
    heldBy(th).delete(lock);
    if (h.mode === 'exclusive') exclusive.delete(lock);
    else sharedBy.get(lock)?.delete(th);
    emit({ t, kind: 'lock.released', thread: th, lock, mode: h.mode });
  };

  for (const ev of events) {
    if (ev.kind === 'mark') {
      emit(ev);
      continue;
    }
    const th = ev.thread;
    const p = pending.get(th);
    const isItsAcquire = ev.kind === 'lock.acquired' && p !== undefined && p.lock === ev.lock && p.mode === ev.mode;
    if (p && !isItsAcquire) interrupt(th, ev.t);
    switch (ev.kind) {
      case 'span.begin':
        depth.set(th, (depth.get(th) ?? 0) + 1);
        emit(ev);
        break;
      case 'span.end': {
        const d = depth.get(th) ?? 0;
        if (d === 0) {
          log.add('unmatched-end', () => `thread ${trace.threads[th]?.name ?? th}: a span end without a begin at ${ev.t} ns`);
          break;
        }
        depth.set(th, d - 1);
        emit(ev);
        break;
      }
      case 'lock.request': {
        if (heldBy(th).has(ev.lock)) {
          log.add('overlapping-hold', () => `${where(th, ev.lock, ev.t)}: requested again while held (a release was lost)`);
          release(th, ev.lock, ev.t);
        }
        deferred.get(th)?.delete(ev.lock);
        emit(ev);
        pending.set(th, { lock: ev.lock, mode: ev.mode, at: out.length - 1 });
        break;
      }
      case 'lock.acquired': {
        const lock = ev.lock;
        if (!isItsAcquire) {
          const d = deferred.get(th);
          const was = d?.get(lock);
          if (heldBy(th).has(lock)) {
            log.add('overlapping-hold', () => `${where(th, lock, ev.t)}: acquired again while held (a release was lost)`);
            release(th, lock, ev.t);
          }
          const request: TraceEvent = { t: ev.t, kind: 'lock.request', thread: th, lock, mode: ev.mode };
          const last = lastAt.get(th);
          if (was !== undefined && last !== undefined) {
            d!.delete(lock);
            const moved = { ...request, t: lastTime.get(th) ?? ev.t };
            let list = after.get(last);
            if (!list) after.set(last, (list = []));
            list.push(moved);
          } else {
            if (was !== undefined) d!.delete(lock);
            else log.add('acquire-without-request', () => `${where(th, lock, ev.t)}: acquired with no request`);
            emit(request);
          }
        }
        pending.delete(th);
        // Lost releases of other threads: whoever holds it in a conflicting mode lets go now.
        const ex = exclusive.get(lock);
        if (ex !== undefined && ex !== th) {
          log.add('overlapping-hold', () => `${where(ex, lock, ev.t)}: still held when thread ${trace.threads[th]?.name ?? th} acquired it (a release was lost)`);
          release(ex, lock, ev.t);
        }
        if (ev.mode === 'exclusive') {
          for (const other of [...(sharedBy.get(lock) ?? [])]) {
            if (other === th) continue;
            log.add('overlapping-hold', () => `${where(other, lock, ev.t)}: still held shared when thread ${trace.threads[th]?.name ?? th} acquired it exclusive (a release was lost)`);
            release(other, lock, ev.t);
          }
          exclusive.set(lock, th);
        } else {
          let s = sharedBy.get(lock);
          if (!s) sharedBy.set(lock, (s = new Set()));
          s.add(th);
        }
        heldBy(th).set(lock, { mode: ev.mode });
        emit(ev);
        break;
      }
      case 'lock.released': {
        const h = heldBy(th).get(ev.lock);
        if (!h) {
          log.add('unmatched-release', () => `${where(th, ev.lock, ev.t)}: released but not held`);
          break;
        }
        if (h.mode !== ev.mode) log.add('unmatched-release', () => `${where(th, ev.lock, ev.t)}: released ${ev.mode} but held ${h.mode}`);
        release(th, ev.lock, ev.t);
        break;
      }
    }
  }
  const result: TraceEvent[] = [];
  for (let i = 0; i < out.length; i++) {
    const ev = out[i];
    if (ev) result.push(ev);
    const extra = after.get(i);
    if (extra) for (const e of extra) result.push(e);
  }
  return result;
}
