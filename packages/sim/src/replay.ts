// What-if on a recorded trace (Coz for locks): extract each API call's work between its lock
// operations from a trace (simulated or recorded from a real libvirtd), replay the calls through
// the simulator's engine with the locks the trace shows, or re-simulate them under another
// strategy (different lock scopes), and compare.
//
// Extraction (per thread, in event order):
// - A job is either an API call (an outermost `api` span: its arrival, label, subject and the
//   operations inside it) or a chunk of the thread's activity outside calls (event loop,
//   monitor threads...): a maximal run of lock and phase events between calls.
// - Operations are lock (at lock.request), unlock, span begin/end (phases) and marks; the time
//   between the end of one operation (an acquisition, a release, a span event) and the start of
//   the next is the call's own work, replayed as that much time passing. Waiting is never
//   copied: it comes out of the replay.
// Replay:
// - Each traced thread runs its jobs in their traced order, one at a time.
// - A call that queued in the trace (a `queue` span: max_client_requests, a busy worker pool)
//   was let in by the call that ended as it began; it starts once that call has finished.
// - A chunk is ready at its traced time. A call is issued at its traced arrival (the begin of
//   the `queue` span it waited in, else its begin), except a call for the same domain as an
//   earlier call that had finished before it was issued: clients issue a domain's calls one
//   after another, so it is issued when that call has finished in the replay plus the traced
//   gap between them (a closed loop). So a faster call makes the next call of its domain start
//   earlier.
// - Locks are the trace's locks, with their kinds (mutex FIFO, reader-preferring rwlock, job);
//   under a what-if strategy, locks and operations are mapped (see `strategyMapper`).
import { Mode, NONE, SPAN_KINDS, Trace, EventKind, type LockClass, type LockKind, type SpanKind } from '@lockscope/trace';
import { Engine, endSpan, lock, mark, sleep, span, unlock, type Gen, type SimLock } from './engine.js';
import { presets, type Strategy } from './strategy.js';
import { resolveConfig } from './config.js';

const API_KIND = SPAN_KINDS.indexOf('api');

export const Op = { Work: 0, Lock: 1, Unlock: 2, Span: 3, EndSpan: 4, Mark: 5 } as const;

export type ReplayOp =
  | { op: typeof Op.Work; ns: number }
  | { op: typeof Op.Lock; lock: number; mode: Mode }
  | { op: typeof Op.Unlock; lock: number }
  | { op: typeof Op.Span; kind: SpanKind; label: string; subject?: string }
  | { op: typeof Op.EndSpan }
  | { op: typeof Op.Mark; label: string };

export interface ReplayJob {
  thread: number;
  /** An API call (label, subject) or a chunk of activity outside calls (label undefined). */
  api?: string;
  subject?: string;
  /** Traced begin and end, ns. */
  begin: number;
  end: number;
  /** For a call: when its client issued it (the begin of the `queue` span it waited in, if any,
   * else `begin`). */
  arrival: number;
  /** For a call: the job (index) of the previous call of the same domain, if it had finished
   * before this one was issued, and the traced gap from its end to this one's arrival. */
  after?: number;
  gap: number;
  /** For a call that queued (max_client_requests, a busy worker pool): the call whose end let
   * it in (it ended as this one began). */
  releasedBy?: number;
  ops: ReplayOp[];
}

export interface ExtractedCalls {
  start: number;
  threads: { name: string; role: Trace['threads'][number]['role'] }[];
  locks: { name: string; class: LockClass; kind: LockKind; subject?: string }[];
  jobs: ReplayJob[];
}

/** Extracts the jobs of a valid trace. */
export function extractCalls(trace: Trace): ExtractedCalls {
  const jobs: ReplayJob[] = [];
  const threads = trace.threads.length;
  const current: (ReplayJob | null)[] = new Array(threads).fill(null);
  const last = new Float64Array(threads).fill(NaN);
  const depth = new Int32Array(threads);
  const inCall = new Uint8Array(threads);
  const pendingRequest = new Uint8Array(threads);
  const lastCallOf = new Map<string, number>();
  // queue spans: open per client thread, and ended ones by call (label and subject)
  const openQueue: ({ key: string; begin: number } | null)[][] = trace.threads.map(() => []);
  const endedQueue = new Map<string, { begin: number; end: number }[]>();
  const { time, thread, kind, ref, mode, arg } = trace;
  const start = trace.length > 0 ? time[0] : 0;

  const job = (th: number, t: number): ReplayJob => {
    let j = current[th];
    if (!j) {
      j = { thread: th, begin: t, end: t, arrival: t, gap: 0, ops: [] };
      current[th] = j;
      jobs.push(j);
      last[th] = t;
    }
    return j;
  };
  const workUntil = (j: ReplayJob, th: number, t: number): void => {
    const ns = t - last[th];
    if (ns > 0) j.ops.push({ op: Op.Work, ns });
    last[th] = t;
  };
  const close = (th: number, t: number): void => {
    const j = current[th];
    if (j) j.end = t;
    current[th] = null;
  };

  for (let i = 0; i < trace.length; i++) {
    const t = time[i];
    const th = thread[i];
    switch (kind[i]) {
      case EventKind.LockRequest: {
        const j = job(th, t);
        workUntil(j, th, t);
        j.ops.push({ op: Op.Lock, lock: ref[i], mode: mode[i] as Mode });
        pendingRequest[th] = 1;
        break;
      }
      case EventKind.LockAcquired: {
        const j = job(th, t);
        if (!pendingRequest[th]) {
          workUntil(j, th, t);
          j.ops.push({ op: Op.Lock, lock: ref[i], mode: mode[i] as Mode });
        }
        pendingRequest[th] = 0;
        last[th] = t;
        break;
      }
      case EventKind.LockReleased: {
        const j = job(th, t);
        workUntil(j, th, t);
        j.ops.push({ op: Op.Unlock, lock: ref[i] });
        if (!inCall[th]) j.end = t;
        break;
      }
      case EventKind.SpanBegin: {
        const spanKind = SPAN_KINDS[mode[i]];
        const label = trace.labels[ref[i]];
        const subject = arg[i] === NONE ? undefined : trace.labels[arg[i]];
        if (spanKind === 'queue') {
          openQueue[th].push({ key: `${label}\u0000${subject ?? ''}`, begin: t });
          break;
        }
        if (mode[i] === API_KIND && !inCall[th]) {
          close(th, t);
          const j = job(th, t);
          j.api = label;
          const queued = endedQueue.get(`${label}\u0000${subject ?? ''}`);
          if (queued && queued.length > 0) {
            // the call waited in the queue span that ended last (at this very time, normally)
            const q = queued.pop() as { begin: number; end: number };
            j.arrival = q.begin;
          }
          if (subject !== undefined) {
            j.subject = subject;
            const prev = lastCallOf.get(subject);
            if (prev !== undefined && jobs[prev].end <= j.arrival && current[jobs[prev].thread] !== jobs[prev]) {
              j.after = prev;
              j.gap = j.arrival - jobs[prev].end;
            }
            lastCallOf.set(subject, jobs.length - 1);
          }
          inCall[th] = 1;
          depth[th] = 0;
          break;
        }
        const j = job(th, t);
        workUntil(j, th, t);
        j.ops.push(subject === undefined ? { op: Op.Span, kind: spanKind, label } : { op: Op.Span, kind: spanKind, label, subject });
        depth[th]++;
        break;
      }
      case EventKind.SpanEnd: {
        if (inCall[th] && depth[th] === 0) {
          const j = job(th, t);
          workUntil(j, th, t);
          inCall[th] = 0;
          close(th, t);
          break;
        }
        if (depth[th] === 0) {
          // the end of a queue span: the call it was for begins now on a worker
          const q = openQueue[th].pop();
          if (q) {
            const list = endedQueue.get(q.key) ?? [];
            list.push({ begin: q.begin, end: t });
            endedQueue.set(q.key, list);
          }
          break;
        }
        const j = job(th, t);
        workUntil(j, th, t);
        j.ops.push({ op: Op.EndSpan });
        depth[th]--;
        if (!inCall[th]) j.end = t;
        break;
      }
      case EventKind.Mark:
        if (th === NONE) break;
        {
          const j = job(th, t);
          workUntil(j, th, t);
          j.ops.push({ op: Op.Mark, label: trace.labels[ref[i]] });
        }
        break;
      default:
        break;
    }
  }
  // A call that queued was let in by the call that ended as it began (a slot or a worker freed).
  const endedAt = new Map<number, number[]>();
  jobs.forEach((j, k) => {
    if (j.api === undefined) return;
    const list = endedAt.get(j.end) ?? [];
    list.push(k);
    endedAt.set(j.end, list);
  });
  jobs.forEach((j) => {
    if (j.api === undefined || j.arrival >= j.begin) return;
    const r = endedAt.get(j.begin)?.shift();
    if (r !== undefined) j.releasedBy = r;
  });
  return {
    start,
    threads: trace.threads.map((t) => ({ name: t.name, role: t.role })),
    locks: trace.locks.map((l) => (l.subject === undefined ? { name: l.name, class: l.class, kind: l.kind } : { name: l.name, class: l.class, kind: l.kind, subject: l.subject })),
    jobs,
  };
}

/** How the replay maps one lock operation of a job: the lock to take (a key of the replay's
 * locks) and its mode, or null to leave it out. */
export interface LockMapping {
  key: string;
  name: string;
  class: LockClass;
  kind: LockKind;
  subject?: string;
  mode: Mode;
}
export type LockMapper = (lock: ExtractedCalls['locks'][number], mode: Mode, job: ReplayJob, heldKeys: ReadonlySet<string>) => LockMapping | null;

/** The trace's own locks, unchanged. */
export const identityMapper: LockMapper = (l, mode) => ({ key: `${l.name}`, ...l, mode });

/** APIs that add domains to the list or remove them (write the domain list). */
const LIST_WRITERS = /Define|CreateXML|Undefine|Destroy|Restore/;

/** Knobs the what-if maps onto the extracted calls; the others change durations or the thread
 * pool, which the replay takes from the trace as they were. */
export const REPLAYABLE_KNOBS = ['security.lock', 'list.lock', 'list.lookup'] as const;

/** The knobs in which `target` differs from `traced` that the what-if cannot apply: durations,
 * the code path, the thread pool, and a list lookup back to locking every object (the trace does
 * not say which objects a scan would have locked). */
export function unmodelledKnobs(traced: Strategy, target: Strategy): (keyof Strategy)[] {
  return (Object.keys(target) as (keyof Strategy)[]).filter((k) => {
    if (target[k] === traced[k]) return false;
    if (k === 'list.lookup') return target[k] === 'lock-objects';
    return !(REPLAYABLE_KNOBS as readonly string[]).includes(k);
  });
}

/**
 * A mapper from the traced strategy to `target`:
 * - security.lock: the security manager's and drivers' locks become one global lock (manager),
 *   one per driver (driver: the manager's own lock is left out), or one per domain of the call
 *   (domain; a call for no domain keeps one global lock).
 * - list.lock: mutex makes every domain-list acquisition exclusive; rwlock makes the
 *   acquisitions of calls that do not add or remove domains shared (writers stay exclusive).
 * - list.lookup: from lock-objects to name-copy or name-hash, the locks a call takes on other domains'
 *   objects while it holds the domain list (the scan locking every domain) are left out; the
 *   scan's time stays.
 */
export function strategyMapper(traced: Strategy, target: Strategy): LockMapper {
  return (l, mode, job, held) => {
    if (l.class === 'security-manager' || l.class === 'security-driver') {
      if (target['security.lock'] === traced['security.lock']) return { key: l.name, ...l, mode };
      switch (target['security.lock']) {
        case 'manager':
          return { key: 'security manager', name: 'security manager', class: 'security-manager', kind: 'mutex', mode: Mode.Exclusive };
        case 'driver':
          if (l.class === 'security-manager') return null;
          return { key: l.name, ...l, mode };
        case 'domain':
          if (job.subject === undefined) return { key: 'security manager', name: 'security manager', class: 'security-manager', kind: 'mutex', mode: Mode.Exclusive };
          return { key: `security ${job.subject}`, name: `security ${job.subject}`, class: 'security-driver', kind: 'mutex', subject: job.subject, mode: Mode.Exclusive };
      }
    }
    if (l.class === 'domain-list') {
      const kind: LockKind = target['list.lock'] === 'rwlock' ? 'rwlock' : 'mutex';
      let m = mode;
      if (target['list.lock'] !== traced['list.lock']) m = kind === 'mutex' || LIST_WRITERS.test(job.api ?? '') ? Mode.Exclusive : Mode.Shared;
      return { key: l.name, ...l, kind, mode: m };
    }
    if (
      l.class === 'domain-object' &&
      traced['list.lookup'] === 'lock-objects' &&
      target['list.lookup'] !== 'lock-objects' &&
      job.api !== undefined &&
      l.subject !== job.subject &&
      [...held].some((k) => k.startsWith('list:'))
    ) {
      return null;
    }
    return { key: l.name, ...l, mode };
  };
}

export interface ReplayResult {
  trace: Trace;
  /** Jobs that could not finish (a lock never became free): 0 in a sound replay. */
  stuck: number;
}

/** Replays extracted calls through the engine, mapping locks with `mapper`. */
export function replayCalls(calls: ExtractedCalls, mapper: LockMapper = identityMapper, meta: Trace['meta'] = {}): ReplayResult {
  const trace = new Trace(1024);
  trace.meta = { source: 'replay', ...meta };
  for (const th of calls.threads) trace.addThread(th.name, th.role);
  const engine = new Engine(trace, 1);
  const locks = new Map<string, SimLock>();
  const lockFor = (m: LockMapping): SimLock => {
    let l = locks.get(m.key);
    if (!l) {
      l = engine.newLock(m.name, m.class, m.kind, m.subject);
      locks.set(m.key, l);
    }
    return l;
  };
  // A list key marks domain-list holds for the list.lookup mapping.
  const heldKey = (m: LockMapping): string => (m.class === 'domain-list' ? `list:${m.key}` : m.key);

  const endOf = new Float64Array(calls.jobs.length).fill(NaN);
  const dependents = new Map<number, number[]>();
  const releases = new Map<number, number[]>();
  /** Conditions a call still waits for before it is ready: its arrival, and its releaser. */
  const waitingFor = new Uint8Array(calls.jobs.length);
  // Each thread runs its jobs in their traced order (a worker's activity around a call stays
  // with it); a chunk once its traced time has come, a call once issued and, if it queued, once
  // the call that let it in has finished.
  const jobsOf: number[][] = calls.threads.map(() => []);
  calls.jobs.forEach((j, k) => {
    jobsOf[j.thread].push(k);
    if (j.after !== undefined) {
      const list = dependents.get(j.after) ?? [];
      list.push(k);
      dependents.set(j.after, list);
    }
    if (j.releasedBy !== undefined) {
      const list = releases.get(j.releasedBy) ?? [];
      list.push(k);
      releases.set(j.releasedBy, list);
    }
    waitingFor[k] = j.releasedBy === undefined ? 1 : 2;
  });
  const nextJob = new Int32Array(calls.threads.length);
  const busy = new Uint8Array(calls.threads.length);

  const threadState = calls.threads.map(() => ({
    depthOf: new Map<string, number>(),
    held: new Set<string>(),
    mapped: new Map<number, LockMapping | null>(),
  }));

  function* body(k: number, th: number): Gen<number> {
    const j = calls.jobs[k];
    if (j.api !== undefined) yield span('api', j.api, j.subject);
    // Per thread (a lock may be taken in one job and released in a later one of the thread):
    // per mapped lock, how many traced holds map onto it (merged locks nest).
    const { depthOf, held, mapped } = threadState[th];
    for (const o of j.ops) {
      switch (o.op) {
        case Op.Work:
          yield sleep(o.ns);
          break;
        case Op.Lock: {
          const m = mapper(calls.locks[o.lock], o.mode, j, held);
          mapped.set(o.lock, m);
          if (!m) break;
          const d = depthOf.get(m.key) ?? 0;
          depthOf.set(m.key, d + 1);
          if (d === 0) {
            yield lock(lockFor(m), m.mode);
            held.add(heldKey(m));
          }
          break;
        }
        case Op.Unlock: {
          const m = mapped.has(o.lock) ? mapped.get(o.lock) : mapper(calls.locks[o.lock], Mode.Exclusive, j, held);
          if (!m) break;
          const d = depthOf.get(m.key) ?? 0;
          // A release of a lock the thread did not take (before the trace began) is skipped.
          if (d === 0) break;
          depthOf.set(m.key, d - 1);
          if (d === 1) {
            held.delete(heldKey(m));
            yield unlock(lockFor(m));
          }
          break;
        }
        case Op.Span:
          yield span(o.kind, o.label, o.subject);
          break;
        case Op.EndSpan:
          yield endSpan();
          break;
        case Op.Mark:
          yield mark(o.label);
          break;
      }
    }
    if (j.api !== undefined) yield endSpan();
    return 1;
  }

  const run = (k: number, th: number): void => {
    busy[th] = 1;
    engine.spawn(th, body(k, th), () => {
      endOf[k] = engine.now;
      busy[th] = 0;
      for (const d of dependents.get(k) ?? []) arrive(d, engine.now + calls.jobs[d].gap);
      for (const d of releases.get(k) ?? []) satisfied(d);
      // a thread that finished its job may start the next one at once
      dispatch();
    });
  };
  const dispatch = (): void => {
    for (let th = 0; th < calls.threads.length; th++) {
      const k = jobsOf[th][nextJob[th]];
      if (busy[th] || k === undefined) continue;
      const j = calls.jobs[k];
      if (j.api === undefined ? j.begin <= engine.now : waitingFor[k] === 0) {
        nextJob[th]++;
        run(k, th);
      }
    }
  };
  const satisfied = (k: number): void => {
    waitingFor[k]--;
  };
  const arrive = (k: number, t: number): void => {
    engine.callAt(t, () => {
      satisfied(k);
      dispatch();
    });
  };

  trace.mark(calls.start, 'replay start');
  calls.jobs.forEach((j, k) => {
    if (j.api === undefined) engine.callAt(j.begin, dispatch);
    else if (j.after === undefined) arrive(k, j.arrival);
  });
  while (engine.step()) {
    // run to the end
  }
  let stuck = 0;
  for (let k = 0; k < calls.jobs.length; k++) if (Number.isNaN(endOf[k])) stuck++;
  trace.compact();
  return { trace, stuck };
}

/** The strategy the traced daemon had: the simulator's, from a simulated trace's meta, else
 * libvirt 9.0's (a real, current libvirtd; `assumed` says so). */
export function tracedStrategy(trace: Trace): { strategy: Strategy; assumed: boolean } {
  const meta = trace.meta.strategy;
  if (trace.meta.source === 'sim' && meta !== null && typeof meta === 'object') {
    try {
      return { strategy: resolveConfig({ scenario: 'create-storm', set: meta as Record<string, string> }).strategy, assumed: false };
    } catch {
      // a knob this version does not know: fall back to the assumption
    }
  }
  const modern = presets.find((p) => p.name === 'libvirt-9.0');
  if (!modern) throw new Error('the libvirt-9.0 preset is missing');
  return { strategy: { ...modern.knobs }, assumed: true };
}
