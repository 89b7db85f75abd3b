// Random valid traces, for property-based tests here and in other packages, and for benchmarks.
// The generator plays a small lock scheduler: every event it emits keeps the validator's
// invariants, and it produces contention, shared holds, hand-over-hand releases, nested spans,
// condition waits (release then request + acquired) and marks.
import { Mode, Trace, type LockKind, type LockClass, LOCK_CLASSES, type SpanKind } from './model.js';

export interface RandomTraceOptions {
  events?: number;
  threads?: number;
  locks?: number;
  /** Largest time step between two events, in ns (steps of 0 happen too). */
  maxStep?: number;
  /** Share of events at the same ns as the previous one (default 0.3). */
  zeroStepRate?: number;
  /** Allow fractional ns times (the binary codec rounds them). */
  fractionalTimes?: boolean;
}

const API_LABELS = ['virDomainCreateXML', 'virDomainDefineXML', 'virDomainLookupByName', 'virConnectListAllDomains', 'virDomainGetInfo'];
const PHASE_LABELS = ['virt-aa-helper: load profile', 'qemu: spawn', 'monitor: qmp_capabilities', 'chown disks'];
const LOCK_NAMES: [string, LockClass, LockKind][] = [
  ['domain list', 'domain-list', 'rwlock'],
  ['security manager', 'security-manager', 'mutex'],
  ['apparmor driver', 'security-driver', 'mutex'],
  ['driver', 'driver', 'mutex'],
];

/** A random trace that passes `validateTrace`. Deterministic for a given `rng`. */
export function randomValidTrace(rng: () => number, opts: RandomTraceOptions = {}): Trace {
  const events = opts.events ?? 200;
  const threadCount = Math.max(1, opts.threads ?? 1 + Math.floor(rng() * 6));
  const lockCount = Math.max(1, opts.locks ?? 1 + Math.floor(rng() * 6));
  const maxStep = opts.maxStep ?? 1_000_000;
  const pick = (n: number) => Math.floor(rng() * n);

  const trace = new Trace(events + 16);
  trace.meta = { generator: 'randomValidTrace', threads: threadCount, locks: lockCount };
  for (let i = 0; i < threadCount; i++) trace.addThread(i === 0 ? 'main' : `worker-${i}`, i === 0 ? 'event-loop' : 'worker');
  for (let i = 0; i < lockCount; i++) {
    if (i < LOCK_NAMES.length && rng() < 0.7) {
      const [name, cls, kind] = LOCK_NAMES[i];
      trace.addLock({ name, class: cls, kind });
    } else {
      const kind: LockKind = rng() < 0.25 ? 'rwlock' : rng() < 0.2 ? 'job' : 'mutex';
      const cls = kind === 'job' ? 'domain-job' : LOCK_CLASSES[pick(LOCK_CLASSES.length)];
      trace.addLock({ name: `vm-${i}`, class: cls, kind, subject: rng() < 0.7 ? `vm-${i}` : undefined });
    }
  }

  // Scheduler state.
  const exclusive = new Array<number>(lockCount).fill(-1);
  const shared = new Array<number>(lockCount).fill(0);
  const held: Map<number, Mode>[] = Array.from({ length: threadCount }, () => new Map());
  const pendingLock = new Array<number>(threadCount).fill(-1);
  const pendingMode = new Array<Mode>(threadCount).fill(Mode.Exclusive);
  const depth = new Array<number>(threadCount).fill(0);
  const maxHeld = (th: number) => {
    let m = -1;
    for (const l of held[th].keys()) if (l > m) m = l;
    return m;
  };
  const free = (lock: number, mode: Mode) => exclusive[lock] < 0 && (mode === Mode.Shared || shared[lock] === 0);

  let t = 0;
  let stalled = 0;
  let before = 0;
  // A guard, should a change of the rules below ever allow threads to deadlock.
  while (trace.length < events && stalled < 10_000) {
    stalled = trace.length === before ? stalled + 1 : 0;
    before = trace.length;
    const r = rng();
    t += r < (opts.zeroStepRate ?? 0.3) ? 0 : opts.fractionalTimes ? rng() * maxStep : pick(maxStep + 1);
    const th = pick(threadCount);
    const p = pendingLock[th];
    if (p >= 0) {
      if (free(p, pendingMode[th])) {
        trace.acquired(t, th, p, pendingMode[th]);
        if (pendingMode[th] === Mode.Exclusive) exclusive[p] = th;
        else shared[p]++;
        held[th].set(p, pendingMode[th]);
        pendingLock[th] = -1;
      }
      continue;
    }
    const action = rng();
    if (action < 0.35) {
      const lock = pick(lockCount);
      // Locks are taken in id order (as libvirt takes the list lock before an object lock),
      // so the generated threads never deadlock.
      if (maxHeld(th) >= lock) continue;
      const kind = trace.locks[lock].kind;
      const mode = kind !== 'mutex' && rng() < 0.5 ? Mode.Shared : Mode.Exclusive;
      trace.request(t, th, lock, mode);
      if (free(lock, mode) && rng() < 0.7) {
        trace.acquired(t, th, lock, mode);
        if (mode === Mode.Exclusive) exclusive[lock] = th;
        else shared[lock]++;
        held[th].set(lock, mode);
      } else {
        pendingLock[th] = lock;
        pendingMode[th] = mode;
      }
    } else if (action < 0.65) {
      if (held[th].size === 0) continue;
      // Any held lock, not only the newest: hand-over-hand releases happen.
      const locks = [...held[th].keys()];
      const lock = locks[pick(locks.length)];
      const mode = held[th].get(lock) ?? Mode.Exclusive;
      trace.released(t, th, lock, mode);
      held[th].delete(lock);
      if (mode === Mode.Exclusive) exclusive[lock] = -1;
      else shared[lock]--;
      // Sometimes a condition wait: the mutex is taken again right away.
      if (rng() < 0.15 && maxHeld(th) < lock) {
        trace.request(t, th, lock, mode);
        pendingLock[th] = lock;
        pendingMode[th] = mode;
      }
    } else if (action < 0.8) {
      if (depth[th] >= 4) continue;
      const kind: SpanKind = depth[th] === 0 ? (rng() < 0.8 ? 'api' : 'queue') : 'phase';
      const label = kind === 'phase' ? PHASE_LABELS[pick(PHASE_LABELS.length)] : API_LABELS[pick(API_LABELS.length)];
      trace.beginSpan(t, th, kind, label, rng() < 0.5 ? `vm-${pick(20)}` : undefined);
      depth[th]++;
    } else if (action < 0.95) {
      if (depth[th] === 0) continue;
      trace.endSpan(t, th);
      depth[th]--;
    } else {
      trace.mark(t, rng() < 0.5 ? 'strategy: baseline' : 'strategy: name copy', rng() < 0.5 ? th : undefined);
    }
  }
  // Some steps append two events; any prefix of a valid trace is valid.
  trace.length = Math.min(trace.length, events);
  return trace;
}
