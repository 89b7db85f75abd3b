// The discrete-event engine: a clock in ns, an event queue (queue.ts) and processes written as
// generator functions that yield steps, as in SimPy. Steps are one shared mutable object: the
// engine reads it right after the generator yields and before any other generator runs, so no
// step allocates. The engine knows locks, conditions, CPUs and threads, nothing of libvirt: a
// `call` step hands its request to a CallServer (the daemon's RPC pool, rpc-pool.ts).
//
// Every lock primitive writes its lock.request / acquired / released events into the Trace as it
// happens; work phases write span.begin / span.end. Time only moves forward, so the trace comes
// out in time order.
import { EventKind, Mode, NONE, SPAN_KINDS, Trace, type LockClass, type LockKind, type SpanKind } from '@lockscope/trace';
import { EventQueue } from './queue.js';

// ---- steps -------------------------------------------------------------------------------

export const OP_LOCK = 0;
export const OP_UNLOCK = 1;
export const OP_WORK = 2;
export const OP_SLEEP = 3;
export const OP_SPAN = 4;
export const OP_END_SPAN = 5;
export const OP_COND_WAIT = 6;
export const OP_SIGNAL = 7;
export const OP_CALL = 8;
export const OP_MARK = 9;
export const OP_LOCK_EACH = 10;

export interface Step {
  op: number;
  lock: SimLock | null;
  mode: Mode;
  ns: number;
  cpu: boolean;
  spanKind: SpanKind;
  label: string;
  subject: string | undefined;
  cond: Cond | null;
  broadcast: boolean;
  /** What a `call` step hands to the CallServer. */
  request: unknown;
  locks: readonly SimLock[] | null;
}

const PHASE_SPAN = SPAN_KINDS.indexOf('phase');

const STEP: Step = {
  op: 0,
  lock: null,
  mode: Mode.Exclusive,
  ns: 0,
  cpu: false,
  spanKind: 'phase',
  label: '',
  subject: undefined,
  cond: null,
  broadcast: false,
  request: null,
  locks: null,
};

/** A process: yields steps, receives a number back (1 = done/granted/signalled, 0 = timeout/failed). */
export type Gen<T = void> = Generator<Step, T, number>;

/** Take `lock` (blocks while it is held incompatibly). Shared on a mutex means exclusive. */
export function lock(l: SimLock, mode: Mode = Mode.Exclusive): Step {
  STEP.op = OP_LOCK;
  STEP.lock = l;
  STEP.mode = mode;
  return STEP;
}

export function unlock(l: SimLock): Step {
  STEP.op = OP_UNLOCK;
  STEP.lock = l;
  return STEP;
}

/** A work phase of `ns` as a `phase` span; `cpu` phases share the host CPUs with each other. */
export function work(ns: number, label: string, cpu = false, subject?: string): Step {
  STEP.op = OP_WORK;
  STEP.ns = ns;
  STEP.label = label;
  STEP.cpu = cpu;
  STEP.subject = subject;
  return STEP;
}

/** Time passing without a span of its own (a poll interval, a client's think time). */
export function sleep(ns: number): Step {
  STEP.op = OP_SLEEP;
  STEP.ns = ns;
  return STEP;
}

export function span(kind: SpanKind, label: string, subject?: string): Step {
  STEP.op = OP_SPAN;
  STEP.spanKind = kind;
  STEP.label = label;
  STEP.subject = subject;
  return STEP;
}

export function endSpan(): Step {
  STEP.op = OP_END_SPAN;
  return STEP;
}

/**
 * pthread_cond_timedwait: releases `mutex`, waits for a signal on `cond` or until the absolute
 * time `deadline` (ns; Infinity for none), then takes `mutex` again. Resumes with 1 when
 * signalled, 0 on timeout.
 */
export function condWait(cond: Cond, mutex: SimLock, deadline: number): Step {
  STEP.op = OP_COND_WAIT;
  STEP.cond = cond;
  STEP.lock = mutex;
  STEP.ns = deadline;
  return STEP;
}

export function signal(cond: Cond, broadcast: boolean): Step {
  STEP.op = OP_SIGNAL;
  STEP.cond = cond;
  STEP.broadcast = broadcast;
  return STEP;
}

/** Hands `request` to the engine's CallServer; the process resumes when the server says so,
 * with the value it gives (rpc-pool.ts: an RPC call, resumed with the call's result). */
export function callStep(request: unknown): Step {
  STEP.op = OP_CALL;
  STEP.request = request;
  return STEP;
}

/**
 * Locks and unlocks each lock of `locks` in turn (exclusive), waiting wherever one is held: a
 * hash-table walk that locks every domain object (virHashSearch with SearchName, ListAll in
 * 1.0.5). One step instead of two per object keeps long walks cheap. The list is read live by
 * index, so it must not change during the walk (callers hold the list lock).
 */
export function lockEach(locks: readonly SimLock[]): Step {
  STEP.op = OP_LOCK_EACH;
  STEP.locks = locks;
  return STEP;
}

export function mark(label: string): Step {
  STEP.op = OP_MARK;
  STEP.label = label;
  return STEP;
}

// ---- primitives --------------------------------------------------------------------------

/** A lock with real semantics: mutex (FIFO grant), rwlock (reader-preferring, like glibc's
 * default), or job (exclusive; the waiting for it is done by callers on a condition). */
export class SimLock {
  /** Exclusive holder. */
  owner: Process | null = null;
  readers = 0;
  readonly waiters: Process[] = [];
  readonly waitModes: Mode[] = [];

  constructor(
    readonly id: number,
    readonly kind: LockKind,
  ) {}

  get held(): boolean {
    return this.owner !== null || this.readers > 0;
  }
}

export class Cond {
  readonly waiters: Process[] = [];
}

export class Process {
  gen: Gen<number | void> | null = null;
  thread = 0;
  /** Bumped whenever a pending timer must be ignored (and when the object is recycled). */
  token = 0;
  resumeValue = 0;
  endSpanOnWake = false;
  waitingCond: Cond | null = null;
  condMutex: SimLock | null = null;
  /** A timer callback instead of a generator (the CPU pool's completion timer). */
  hook: (() => void) | null = null;
  onDone: ((p: Process, result: number) => void) | null = null;
  serial: SerialThread | null = null;
  /** A lockEach walk in progress: its list and the index of the lock being waited for. */
  walk: readonly SimLock[] | null = null;
  walkIndex = 0;
}

/** Serves `call` steps: takes the request and later resumes the caller (Engine.resume). */
export interface CallServer {
  submit(caller: Process, request: unknown): void;
}

/** A thread that runs one process at a time, in submission order (event loop, monitor thread). */
export class SerialThread {
  busy = false;
  readonly queue: (() => Gen<void>)[] = [];
  /** Called each time the thread runs out of work. */
  onIdle: (() => void) | null = null;
  constructor(readonly thread: number) {}
}

// ---- the engine --------------------------------------------------------------------------

export class Engine {
  readonly trace: Trace;
  /** Host CPUs shared by cpu-bound work (processor sharing). */
  cpus: number;
  /** Who serves `call` steps (the daemon's RPC pool). */
  server: CallServer | null = null;

  private readonly queue = new EventQueue<Process>();
  private free: Process[] = [];

  // Processor-sharing CPU pool: each job has remaining work in ns of one CPU.
  private cpuJobs: Process[] = [];
  private cpuLeft: number[] = [];
  private cpuLast = 0;
  private cpuTimer: Process;

  constructor(trace: Trace, cpus: number) {
    this.trace = trace;
    this.cpus = cpus;
    this.cpuTimer = new Process();
    this.cpuTimer.hook = () => this.cpuTick();
  }

  /** The clock, in ns. */
  get now(): number {
    return this.queue.now;
  }

  get pending(): number {
    return this.queue.size;
  }

  /** Time of the next queued event, or Infinity. */
  get nextTime(): number {
    return this.queue.nextTime;
  }

  // ---- locks ----

  newLock(name: string, cls: LockClass, kind: LockKind, subject?: string): SimLock {
    const info: { name: string; class: LockClass; kind: LockKind; subject?: string } = { name, class: cls, kind };
    if (subject !== undefined) info.subject = subject;
    return new SimLock(this.trace.addLock(info), kind);
  }

  // ---- processes ----

  /** Starts a generator on `thread` at the current time. */
  spawn(thread: number, gen: Gen<number | void>, onDone: ((p: Process, result: number) => void) | null = null): Process {
    const p = this.free.pop() ?? new Process();
    p.gen = gen;
    p.thread = thread;
    p.resumeValue = 1;
    p.onDone = onDone;
    this.schedule(p, this.now);
    return p;
  }

  /** Starts `gen` on `thread` after a work phase of `ns` drawn as a `phase` span labelled `label`:
   * the same as a generator whose first step is `work`, without a wrapping generator (every step
   * of a wrapped one would pass through the wrapper). */
  spawnAfterWork(thread: number, ns: number, label: string, gen: Gen<number | void>, onDone: (p: Process, result: number) => void): Process {
    const p = this.free.pop() ?? new Process();
    p.gen = gen;
    p.thread = thread;
    p.resumeValue = 1;
    p.onDone = onDone;
    const trace = this.trace;
    trace.push(this.now, thread, EventKind.SpanBegin, trace.label(label), PHASE_SPAN, NONE);
    p.endSpanOnWake = true;
    this.schedule(p, this.now + Math.max(0, Math.round(ns)));
    return p;
  }

  /** A work phase of `ns` on `thread` (a `phase` span labelled `label`), then `then()`: work a
   * thread does after its process has ended. */
  workThen(thread: number, ns: number, label: string, then: () => void): void {
    const trace = this.trace;
    trace.push(this.now, thread, EventKind.SpanBegin, trace.label(label), PHASE_SPAN, NONE);
    this.callAt(this.now + ns, () => {
      trace.endSpan(this.now, thread);
      then();
    });
  }

  /** Calls `fn` at absolute time `t` (a timer that belongs to no thread). */
  callAt(t: number, fn: () => void): void {
    const p = new Process();
    p.hook = fn;
    this.schedule(p, Math.max(this.now, Math.round(t)));
  }

  /** Runs one queued event; false when nothing is left. */
  step(): boolean {
    const q = this.queue;
    if (!q.take()) return false;
    const p = q.item as Process;
    if (q.token !== p.token) return true; // a cancelled timer
    if (p.hook !== null) p.hook();
    else if (p.waitingCond !== null) this.condTimeout(p);
    else this.resumeNow(p);
    return true;
  }

  /** Runs every event up to and including time `ns`; the clock then reads `ns` unless idle. */
  runUntil(ns: number): void {
    const q = this.queue;
    while (q.nextTime <= ns) this.step();
    if (q.size > 0 && q.now < ns) q.now = Math.floor(ns);
  }

  schedule(p: Process, t: number): void {
    this.queue.push(t, p, p.token);
  }

  /** Resumes a process suspended in a `call` step, now, with `value` as the step's result. */
  resume(p: Process, value: number): void {
    p.resumeValue = value;
    this.schedule(p, this.now);
  }

  private resumeNow(p: Process): void {
    const trace = this.trace;
    if (p.endSpanOnWake) {
      p.endSpanOnWake = false;
      trace.endSpan(this.now, p.thread);
    }
    if (p.walk !== null && !this.continueWalk(p, true)) return;
    const gen = p.gen as Gen<number | void>;
    let value = p.resumeValue;
    for (;;) {
      const r = gen.next(value);
      if (r.done === true) {
        this.finish(p, typeof r.value === 'number' ? r.value : 1);
        return;
      }
      const s = r.value;
      switch (s.op) {
        case OP_LOCK:
          if (!this.acquire(p, s.lock as SimLock, s.mode)) return;
          value = 1;
          break;
        case OP_UNLOCK:
          this.release(p, s.lock as SimLock);
          value = 1;
          break;
        case OP_WORK: {
          const subject = s.subject === undefined ? NONE : trace.label(s.subject);
          trace.push(this.now, p.thread, EventKind.SpanBegin, trace.label(s.label), PHASE_SPAN, subject);
          p.endSpanOnWake = true;
          p.resumeValue = 1;
          if (s.cpu && s.ns > 0) this.cpuAdd(p, s.ns);
          else this.schedule(p, this.now + Math.max(0, Math.round(s.ns)));
          return;
        }
        case OP_SLEEP:
          p.resumeValue = 1;
          this.schedule(p, this.now + Math.max(0, Math.round(s.ns)));
          return;
        case OP_SPAN:
          trace.beginSpan(this.now, p.thread, s.spanKind, s.label, s.subject);
          value = 1;
          break;
        case OP_END_SPAN:
          trace.endSpan(this.now, p.thread);
          value = 1;
          break;
        case OP_COND_WAIT:
          this.condWait(p, s.cond as Cond, s.lock as SimLock, s.ns);
          return;
        case OP_SIGNAL:
          this.signal(s.cond as Cond, s.broadcast);
          value = 1;
          break;
        case OP_CALL:
          if (this.server === null) throw new Error('a call step without a CallServer');
          this.server.submit(p, s.request);
          return;
        case OP_MARK:
          trace.mark(this.now, s.label, p.thread);
          value = 1;
          break;
        case OP_LOCK_EACH:
          p.walk = s.locks;
          p.walkIndex = 0;
          if (!this.continueWalk(p, false)) return;
          value = 1;
          break;
        default:
          throw new Error(`unknown step op ${s.op}`);
      }
    }
  }

  /** Runs a lockEach walk on; false if it blocked on a held lock. `granted`: the lock at
   * walkIndex was just handed over and must be released first. */
  private continueWalk(p: Process, granted: boolean): boolean {
    const list = p.walk as readonly SimLock[];
    let i = p.walkIndex;
    if (granted) {
      this.release(p, list[i]);
      i++;
    }
    for (; i < list.length; i++) {
      const l = list[i];
      if (!this.acquire(p, l, Mode.Exclusive)) {
        p.walkIndex = i;
        return false;
      }
      this.release(p, l);
    }
    p.walk = null;
    p.walkIndex = 0;
    return true;
  }

  private finish(p: Process, result: number): void {
    const onDone = p.onDone;
    p.gen = null;
    p.onDone = null;
    if (onDone !== null) onDone(p, result);
    // Recycle; the token bump makes any stale timer for the old use harmless.
    p.token++;
    p.serial = null;
    p.walk = null;
    this.free.push(p);
  }

  // ---- locks: grant and release ----

  private acquire(p: Process, l: SimLock, requested: Mode): boolean {
    const mode = l.kind === 'rwlock' ? requested : Mode.Exclusive;
    this.trace.request(this.now, p.thread, l.id, mode);
    if (this.tryGrant(p, l, mode)) {
      this.trace.acquired(this.now, p.thread, l.id, mode);
      return true;
    }
    l.waiters.push(p);
    l.waitModes.push(mode);
    p.resumeValue = 1;
    return false;
  }

  private tryGrant(p: Process, l: SimLock, mode: Mode): boolean {
    if (l.owner !== null) return false;
    if (mode === Mode.Shared) {
      // Reader-preferring: readers get in even while a writer waits.
      l.readers++;
      return true;
    }
    if (l.readers > 0) return false;
    // A mutex hands over in FIFO order: a newcomer does not overtake queued waiters.
    if (l.waiters.length > 0 && l.kind !== 'rwlock') return false;
    l.owner = p;
    return true;
  }

  private release(p: Process, l: SimLock): void {
    let mode: Mode;
    if (l.owner === p) {
      mode = Mode.Exclusive;
      l.owner = null;
    } else if (l.readers > 0 && l.kind === 'rwlock') {
      mode = Mode.Shared;
      l.readers--;
    } else {
      throw new Error(`thread ${p.thread} releases lock ${this.trace.locks[l.id].name} it does not hold`);
    }
    this.trace.released(this.now, p.thread, l.id, mode);
    this.wakeWaiters(l);
  }

  private wakeWaiters(l: SimLock): void {
    const waiters = l.waiters;
    if (waiters.length === 0 || l.owner !== null) return;
    if (l.kind === 'rwlock') {
      // Readers first (reader preference), then one writer once nobody reads.
      let anyReader = false;
      for (let i = 0; i < waiters.length; ) {
        if (l.waitModes[i] === Mode.Shared) {
          const w = waiters[i];
          waiters.splice(i, 1);
          l.waitModes.splice(i, 1);
          l.readers++;
          this.granted(w, l, Mode.Shared);
          anyReader = true;
        } else i++;
      }
      if (anyReader || l.readers > 0 || waiters.length === 0) return;
    } else if (l.readers > 0) return;
    const w = waiters.shift() as Process;
    l.waitModes.shift();
    l.owner = w;
    this.granted(w, l, Mode.Exclusive);
  }

  private granted(w: Process, l: SimLock, mode: Mode): void {
    this.trace.acquired(this.now, w.thread, l.id, mode);
    this.schedule(w, this.now);
  }

  // ---- condition variables ----

  private condWait(p: Process, cond: Cond, mutex: SimLock, deadline: number): void {
    this.release(p, mutex);
    p.waitingCond = cond;
    p.condMutex = mutex;
    cond.waiters.push(p);
    if (Number.isFinite(deadline)) this.schedule(p, Math.max(this.now, Math.round(deadline)));
  }

  private signal(cond: Cond, broadcast: boolean): void {
    while (cond.waiters.length > 0) {
      const w = cond.waiters.shift() as Process;
      w.token++; // cancels its timeout
      w.waitingCond = null;
      w.resumeValue = 1;
      this.relock(w);
      if (!broadcast) return;
    }
  }

  private condTimeout(p: Process): void {
    const cond = p.waitingCond as Cond;
    const i = cond.waiters.indexOf(p);
    if (i >= 0) cond.waiters.splice(i, 1);
    p.waitingCond = null;
    p.resumeValue = 0;
    this.relock(p);
  }

  private relock(p: Process): void {
    const m = p.condMutex as SimLock;
    p.condMutex = null;
    const value = p.resumeValue;
    if (this.acquire(p, m, Mode.Exclusive)) this.schedule(p, this.now);
    p.resumeValue = value;
  }

  // ---- host CPUs: processor sharing ----

  private cpuRate(): number {
    const n = this.cpuJobs.length;
    return n <= this.cpus ? 1 : this.cpus / n;
  }

  private cpuAdvance(): void {
    const dt = this.now - this.cpuLast;
    this.cpuLast = this.now;
    if (dt <= 0 || this.cpuJobs.length === 0) return;
    const done = dt * this.cpuRate();
    const left = this.cpuLeft;
    for (let i = 0; i < left.length; i++) left[i] -= done;
  }

  private cpuAdd(p: Process, ns: number): void {
    this.cpuAdvance();
    this.cpuJobs.push(p);
    this.cpuLeft.push(ns);
    this.cpuReschedule();
  }

  /** Call after changing `cpus` so running jobs speed up or slow down from now. */
  cpusChanged(cpus: number): void {
    this.cpuAdvance();
    this.cpus = cpus;
    this.cpuReschedule();
  }

  private cpuReschedule(): void {
    this.cpuTimer.token++;
    if (this.cpuJobs.length === 0) return;
    let min = Infinity;
    for (const x of this.cpuLeft) if (x < min) min = x;
    this.schedule(this.cpuTimer, this.now + Math.max(0, Math.ceil(min / this.cpuRate())));
  }

  private cpuTick(): void {
    this.cpuAdvance();
    // Within half a ns of done counts as done (completion times are rounded up to whole ns).
    for (let i = 0; i < this.cpuJobs.length; ) {
      if (this.cpuLeft[i] <= 0.5) {
        const p = this.cpuJobs[i];
        this.cpuJobs.splice(i, 1);
        this.cpuLeft.splice(i, 1);
        this.schedule(p, this.now);
      } else i++;
    }
    this.cpuReschedule();
  }

  // ---- serial threads (event loop, per-domain monitor threads) ----

  runOn(st: SerialThread, body: () => Gen<void>): void {
    if (st.busy) {
      st.queue.push(body);
      return;
    }
    st.busy = true;
    this.spawn(st.thread, body(), this.serialDone).serial = st;
  }

  private readonly serialDone = (p: Process): void => {
    const st = p.serial as SerialThread;
    const next = st.queue.shift();
    if (next === undefined) {
      st.busy = false;
      if (st.onIdle !== null) st.onIdle();
      return;
    }
    this.spawn(st.thread, next(), this.serialDone).serial = st;
  };
}
