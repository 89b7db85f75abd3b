// Avoidable contention: the part of a wait that a per-domain lock would remove.
//
// A moment of a wait is avoidable when all of these hold at that moment:
// - the lock protects more than one domain: its class is one of SHARED_LOCK_CLASSES (the
//   security manager and its drivers, the domain list, the driver lock);
// - the waiting thread works for a domain: its innermost open API span has a subject;
// - the lock is held in a conflicting mode by at least one other thread (an exclusive request
//   conflicts with any holder, a shared one with exclusive holders), and every such holder works
//   for a domain too, a different one from the waiter's.
// Moments where a conflicting holder works for the same domain, or for no domain (listing every
// domain), or where nobody holds the lock (a hand-over in progress), are not avoidable.
// The avoidable time of a wait is the sum of its avoidable moments, so it is exact for a wait
// that sees several holders one after another. Domains are compared by name.
import { EventKind, Mode, NONE, SPAN_KINDS, type LockClass, type Trace } from './model.js';

/** Lock classes whose locks protect more than one domain at once. */
export const SHARED_LOCK_CLASSES: readonly LockClass[] = ['security-manager', 'security-driver', 'domain-list', 'driver'];

const API_KIND = SPAN_KINDS.indexOf('api');
const SHARED = new Set<LockClass>(SHARED_LOCK_CLASSES);

/** Why a finished wait was (partly) avoidable or not. */
export type AvoidableReason =
  | 'uncontended'
  | 'different-domains'
  | 'same-domain'
  | 'holder-without-domain'
  | 'waiter-without-domain'
  | 'per-domain-lock'
  | 'hand-over';

/** One acquisition's wait, split into avoidable and unavoidable time (ns). */
export interface WaitVerdict {
  /** Index of the lock.acquired event. */
  event: number;
  thread: number;
  lock: number;
  wait: number;
  avoidable: number;
  /** The waiter's domain (subject of its innermost API call), if any. */
  domain?: string;
  /** The domains the conflicting holders worked for during the wait (none: no domain). */
  holderDomains: string[];
  reason: AvoidableReason;
}

/** Sentence for a verdict, for a wait's detail. */
export function describeVerdict(v: WaitVerdict, lockName: string): string {
  const pct = v.wait > 0 ? Math.round((100 * v.avoidable) / v.wait) : 0;
  switch (v.reason) {
    case 'uncontended':
      return 'no wait';
    case 'different-domains':
      return `avoidable (${pct} % of the wait): this call worked on ${v.domain}, the holder${v.holderDomains.length > 1 ? 's' : ''} on ${v.holderDomains.join(', ')}, and ${lockName} protects every domain; a per-domain lock would not have made it wait`;
    case 'same-domain':
      return `not avoidable: the holder worked on the same domain (${v.domain}); a per-domain lock would serialise them too`;
    case 'holder-without-domain':
      return `not avoidable: the holder worked on no single domain (for example a listing of all domains)`;
    case 'waiter-without-domain':
      return `not avoidable: this call works on no single domain`;
    case 'per-domain-lock':
      return `not avoidable: ${lockName} already protects one domain only`;
    case 'hand-over':
      return `not avoidable: the lock was being handed over from one holder to the next`;
  }
}

interface Waiting {
  lock: number;
  exclusive: boolean;
  requested: number;
  since: number;
  avoidable: number;
  /** Whether the moment since `since` is avoidable. */
  now: boolean;
  sawSame: boolean;
  sawNoDomain: boolean;
  holderDomains: Set<string>;
}

/**
 * Follows a trace event by event (incrementally) and splits every wait into avoidable and
 * unavoidable time. Expects a valid trace (see validate.ts).
 */
export class AvoidableTracker {
  private next = 0;
  /** Per thread: subjects of open spans (label id; -1 for non-API spans, NONE for no subject). */
  private spans: number[][] = [];
  /** Per lock: holding thread -> mode. */
  private holders: Map<number, number>[] = [];
  /** Per lock: waiting threads. */
  private waiters: Set<number>[] = [];
  private shared: boolean[] = [];
  private waiting: (Waiting | null)[] = [];
  /** Per thread: locks held (to re-evaluate their waiters when the thread's domain changes). */
  private held: Set<number>[] = [];

  /** Reads the events added since the last call; `onWait` gets each finished wait. */
  update(trace: Trace, onWait: (v: WaitVerdict) => void): void {
    while (this.holders.length < trace.locks.length) {
      this.shared.push(SHARED.has(trace.locks[this.holders.length].class));
      this.holders.push(new Map());
      this.waiters.push(new Set());
    }
    while (this.spans.length < trace.threads.length) {
      this.spans.push([]);
      this.waiting.push(null);
      this.held.push(new Set());
    }
    const { time, thread, kind, ref, mode, arg } = trace;
    for (let i = this.next; i < trace.length; i++) {
      const t = time[i];
      const th = thread[i];
      switch (kind[i]) {
        case EventKind.LockRequest: {
          const lock = ref[i];
          this.waiting[th] = {
            lock,
            exclusive: mode[i] === Mode.Exclusive,
            requested: t,
            since: t,
            avoidable: 0,
            now: false,
            sawSame: false,
            sawNoDomain: false,
            holderDomains: new Set(),
          };
          this.waiters[lock].add(th);
          this.evaluate(trace, th, t);
          break;
        }
        case EventKind.LockAcquired: {
          const lock = ref[i];
          const w = this.waiting[th];
          if (w && w.lock === lock) {
            this.advance(w, t);
            this.waiting[th] = null;
            this.waiters[lock].delete(th);
            onWait(this.verdict(trace, i, th, lock, w, t));
          } else {
            onWait({ event: i, thread: th, lock, wait: 0, avoidable: 0, holderDomains: [], reason: 'uncontended' });
          }
          this.holders[lock].set(th, mode[i]);
          this.held[th].add(lock);
          this.reevaluateLock(trace, lock, t);
          break;
        }
        case EventKind.LockReleased: {
          const lock = ref[i];
          this.holders[lock].delete(th);
          this.held[th].delete(lock);
          this.reevaluateLock(trace, lock, t);
          break;
        }
        case EventKind.SpanBegin:
          this.spans[th].push(mode[i] === API_KIND ? arg[i] : -1);
          this.reevaluateHolder(trace, th, t);
          break;
        case EventKind.SpanEnd:
          this.spans[th].pop();
          this.reevaluateHolder(trace, th, t);
          break;
        default:
          break;
      }
    }
    this.next = trace.length;
  }

  /** The domain a thread works for now: the subject of its innermost open API span. */
  private domainOf(trace: Trace, th: number): string | undefined {
    const stack = this.spans[th];
    for (let s = stack.length - 1; s >= 0; s--) {
      if (stack[s] === -1) continue;
      return stack[s] === NONE ? undefined : trace.labels[stack[s]];
    }
    return undefined;
  }

  private advance(w: Waiting, t: number): void {
    if (w.now) w.avoidable += t - w.since;
    w.since = t;
  }

  /** Closes the waiter's current moment at t and decides whether the next one is avoidable. */
  private evaluate(trace: Trace, th: number, t: number): void {
    const w = this.waiting[th];
    if (!w) return;
    this.advance(w, t);
    w.now = false;
    if (!this.shared[w.lock]) return;
    const domain = this.domainOf(trace, th);
    let conflicting = 0;
    let avoidable = domain !== undefined;
    for (const [holder, m] of this.holders[w.lock]) {
      if (holder === th || (!w.exclusive && m === Mode.Shared)) continue;
      conflicting++;
      const hd = this.domainOf(trace, holder);
      if (hd === undefined) {
        w.sawNoDomain = true;
        avoidable = false;
      } else {
        w.holderDomains.add(hd);
        if (hd === domain) {
          w.sawSame = true;
          avoidable = false;
        }
      }
    }
    w.now = avoidable && conflicting > 0;
  }

  private reevaluateLock(trace: Trace, lock: number, t: number): void {
    for (const w of this.waiters[lock]) this.evaluate(trace, w, t);
  }

  private reevaluateHolder(trace: Trace, th: number, t: number): void {
    for (const lock of this.held[th]) this.reevaluateLock(trace, lock, t);
  }

  private verdict(trace: Trace, event: number, th: number, lock: number, w: Waiting, t: number): WaitVerdict {
    const wait = t - w.requested;
    const domain = this.domainOf(trace, th);
    const v: WaitVerdict = { event, thread: th, lock, wait, avoidable: w.avoidable, holderDomains: [...w.holderDomains].sort(), reason: 'uncontended' };
    if (domain !== undefined) v.domain = domain;
    if (wait <= 0) v.reason = 'uncontended';
    else if (w.avoidable > 0) v.reason = 'different-domains';
    else if (!this.shared[lock]) v.reason = 'per-domain-lock';
    else if (domain === undefined) v.reason = 'waiter-without-domain';
    else if (w.sawSame) v.reason = 'same-domain';
    else if (w.sawNoDomain) v.reason = 'holder-without-domain';
    else v.reason = 'hand-over';
    return v;
  }
}

/** Every acquisition's verdict, in event order (for a wait's detail and for tests). */
export function avoidableWaits(trace: Trace): WaitVerdict[] {
  const out: WaitVerdict[] = [];
  new AvoidableTracker().update(trace, (v) => out.push(v));
  return out;
}
