// The discrete-event engine: a clock in ns, an event queue (binary heap, ties broken by
// insertion order so runs are deterministic) and processes written as generator functions that
// yield steps, as in SimPy. Steps are one shared mutable object: the engine reads it right after
// the generator yields and before any other generator runs, so no step allocates.
//
// Every lock primitive writes its lock.request / acquired / released events into the Trace as it
// happens; work phases write span.begin / span.end. Time only moves forward, so the trace comes
// out in time order.
import { EventKind, Mode, NONE, SPAN_KINDS, Trace, type LockClass, type LockKind, type SpanKind } from '@lockscope/trace';

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
  call: CallRequest | null;
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
  call: null,
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

/** An RPC call: queued for a worker of the pool; resumes with the call's result. */
export function call(req: CallRequest): Step {
  STEP.op = OP_CALL;
  STEP.call = req;
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
  call: CallRequest | null = null;
  worker: Worker | null = null;
  serial: SerialThread | null = null;
  /** A lockEach walk in progress: its list and the index of the lock being waited for. */
  walk: readonly SimLock[] | null = null;
  walkIndex = 0;
}

/** What a client asks the daemon to run. `run` is the API's body, run on a worker thread. */
export interface CallRequest {
  api: string;
  subject: string | undefined;
  /** High-priority procedures may also use the priority workers. */
  prio: boolean;
  run: () => Gen<number>;
  client: Process | null;
  result: number;
  /** A `queue` span is open on the client thread for this call. */
  queued: boolean;
}

export interface Worker {
  thread: number;
  prio: boolean;
  busy: boolean;
  retired: boolean;
}

/** A thread that runs one process at a time, in submission order (event loop, monitor thread). */
export class SerialThread {
  busy = false;
  readonly queue: (() => Gen<void>)[] = [];
  constructor(readonly thread: number) {}
}

// ---- the engine --------------------------------------------------------------------------

export class Engine {
  now = 0;
  readonly trace: Trace;
  /** Host CPUs shared by cpu-bound work (processor sharing). */
  cpus: number;

  // Event queue: a binary heap over parallel arrays (time, insertion seq, token, process).
  private hTime = new Float64Array(1024);
  private hSeq = new Float64Array(1024);
  private hTok = new Float64Array(1024);
  private hProc: Process[] = [];
  private hSize = 0;
  private seq = 0;
  // Wake-ups at the current time skip the heap: a FIFO ring (process, token, seq). Order is the
  // same as through the heap: by (time, seq), the ring's entries all being at `now`.
  private rProc: Process[] = new Array<Process>(256);
  private rTok = new Float64Array(256);
  private rSeq = new Float64Array(256);
  private rHead = 0;
  private rCount = 0;

  private free: Process[] = [];

  // Processor-sharing CPU pool: each job has remaining work in ns of one CPU.
  private cpuJobs: Process[] = [];
  private cpuLeft: number[] = [];
  private cpuLast = 0;
  private cpuTimer: Process;

  readonly workers: Worker[] = [];
  private callQueue: CallRequest[] = [];
  /** When set, a call is only read off its connection while this thread is idle (1.0.5: the main
   * event loop does all client I/O, so a stalled loop stalls every client). */
  private ioGate: SerialThread | null = null;
  private gated: CallRequest[] = [];

  constructor(trace: Trace, cpus: number) {
    this.trace = trace;
    this.cpus = cpus;
    this.cpuTimer = new Process();
    this.cpuTimer.hook = () => this.cpuTick();
  }

  get pending(): number {
    return this.hSize + this.rCount;
  }

  /** Time of the next queued event, or Infinity. */
  get nextTime(): number {
    if (this.rCount > 0) return this.now;
    return this.hSize === 0 ? Infinity : this.hTime[0];
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

  /** Calls `fn` at absolute time `t` (a timer that belongs to no thread). */
  callAt(t: number, fn: () => void): void {
    const p = new Process();
    p.hook = fn;
    this.schedule(p, Math.max(this.now, Math.round(t)));
  }

  /** Runs one queued event; false when nothing is left. */
  step(): boolean {
    let p: Process;
    let tok: number;
    if (this.rCount > 0 && !(this.hSize > 0 && this.hTime[0] === this.now && this.hSeq[0] < this.rSeq[this.rHead])) {
      const h = this.rHead;
      p = this.rProc[h];
      tok = this.rTok[h];
      this.rHead = (h + 1) & (this.rProc.length - 1);
      this.rCount--;
    } else {
      if (this.hSize === 0) return false;
      p = this.hProc[0];
      tok = this.hTok[0];
      this.now = this.hTime[0];
      this.pop();
    }
    if (tok !== p.token) return true; // a cancelled timer
    if (p.hook !== null) p.hook();
    else if (p.waitingCond !== null) this.condTimeout(p);
    else this.resume(p);
    return true;
  }

  /** Runs every event up to and including time `ns`; the clock then reads `ns` unless idle. */
  runUntil(ns: number): void {
    while ((this.rCount > 0 && this.now <= ns) || (this.hSize > 0 && this.hTime[0] <= ns)) this.step();
    if (this.rCount === 0 && this.hSize > 0 && this.now < ns) this.now = Math.floor(ns);
  }

  schedule(p: Process, t: number): void {
    if (t === this.now) this.ready(p);
    else this.push(t, p, p.token);
  }

  private ready(p: Process): void {
    if (this.rCount === this.rProc.length) this.growRing();
    const i = (this.rHead + this.rCount) & (this.rProc.length - 1);
    this.rProc[i] = p;
    this.rTok[i] = p.token;
    this.rSeq[i] = this.seq++;
    this.rCount++;
  }

  private growRing(): void {
    const n = this.rProc.length;
    const proc = new Array<Process>(n * 2);
    const tok = new Float64Array(n * 2);
    const seq = new Float64Array(n * 2);
    for (let k = 0; k < this.rCount; k++) {
      const i = (this.rHead + k) & (n - 1);
      proc[k] = this.rProc[i];
      tok[k] = this.rTok[i];
      seq[k] = this.rSeq[i];
    }
    this.rProc = proc;
    this.rTok = tok;
    this.rSeq = seq;
    this.rHead = 0;
  }

  private resume(p: Process): void {
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
          this.submit(p, s.call as CallRequest);
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
    p.call = null;
    p.worker = null;
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

  // ---- the RPC worker pool ----

  addWorker(name: string, prio: boolean): Worker {
    const w: Worker = { thread: this.trace.addThread(name, prio ? 'priority-worker' : 'worker'), prio, busy: false, retired: false };
    this.workers.push(w);
    // A new worker picks up queued calls straight away.
    this.dispatchTo(w);
    return w;
  }

  /** Retires the last idle-or-busy worker of the kind: it stops taking calls after its current one. */
  retireWorker(prio: boolean): void {
    for (let i = this.workers.length - 1; i >= 0; i--) {
      const w = this.workers[i];
      if (w.prio === prio && !w.retired) {
        w.retired = true;
        return;
      }
    }
  }

  setIoGate(gate: SerialThread | null): void {
    this.ioGate = gate;
    if (gate === null || !gate.busy) this.flushGated();
  }

  private flushGated(): void {
    if (this.gated.length === 0) return;
    const calls = this.gated;
    this.gated = [];
    for (const req of calls) this.dispatchNew(req);
  }

  private openQueueSpan(req: CallRequest): void {
    if (req.queued) return;
    req.queued = true;
    this.trace.beginSpan(this.now, (req.client as Process).thread, 'queue', req.api, req.subject);
  }

  private closeQueueSpan(req: CallRequest): void {
    if (!req.queued) return;
    req.queued = false;
    this.trace.endSpan(this.now, (req.client as Process).thread);
  }

  private submit(client: Process, req: CallRequest): void {
    req.client = client;
    req.queued = false;
    if (this.ioGate !== null && this.ioGate.busy) {
      this.gated.push(req);
      this.openQueueSpan(req);
      return;
    }
    this.dispatchNew(req);
  }

  private dispatchNew(req: CallRequest): void {
    let chosen: Worker | null = null;
    for (const w of this.workers) {
      if (!w.busy && !w.retired && !w.prio) {
        chosen = w;
        break;
      }
    }
    if (chosen === null && req.prio) {
      for (const w of this.workers) {
        if (!w.busy && !w.retired && w.prio) {
          chosen = w;
          break;
        }
      }
    }
    if (chosen !== null) {
      this.closeQueueSpan(req);
      this.startCall(chosen, req);
      return;
    }
    this.callQueue.push(req);
    this.openQueueSpan(req);
  }

  private startCall(w: Worker, req: CallRequest): void {
    w.busy = true;
    this.trace.beginSpan(this.now, w.thread, 'api', req.api, req.subject);
    const p = this.spawn(w.thread, req.run(), this.callDone);
    p.call = req;
    p.worker = w;
  }

  private readonly callDone = (p: Process, result: number): void => {
    const w = p.worker as Worker;
    const req = p.call as CallRequest;
    this.trace.endSpan(this.now, w.thread);
    req.result = result;
    const client = req.client as Process;
    client.resumeValue = result;
    this.schedule(client, this.now);
    w.busy = false;
    this.dispatchTo(w);
  };

  private dispatchTo(w: Worker): void {
    if (w.busy || w.retired || this.callQueue.length === 0) return;
    let i = 0;
    if (w.prio) {
      // Priority workers take only the first high-priority call.
      while (i < this.callQueue.length && !this.callQueue[i].prio) i++;
      if (i === this.callQueue.length) return;
    }
    const req = this.callQueue.splice(i, 1)[0];
    this.closeQueueSpan(req);
    this.startCall(w, req);
  }

  get queuedCalls(): number {
    return this.callQueue.length;
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
      if (st === this.ioGate) this.flushGated();
      return;
    }
    this.spawn(st.thread, next(), this.serialDone).serial = st;
  };

  // ---- heap ----

  private push(t: number, p: Process, tok: number): void {
    if (this.hSize === this.hTime.length) this.growHeap();
    const seq = this.seq++;
    let i = this.hSize++;
    const ht = this.hTime;
    const hs = this.hSeq;
    // Sift up with a hole.
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = ht[parent];
      if (pt < t || (pt === t && hs[parent] < seq)) break;
      ht[i] = pt;
      hs[i] = hs[parent];
      this.hTok[i] = this.hTok[parent];
      this.hProc[i] = this.hProc[parent];
      i = parent;
    }
    ht[i] = t;
    hs[i] = seq;
    this.hTok[i] = tok;
    this.hProc[i] = p;
  }

  private pop(): void {
    const n = --this.hSize;
    if (n === 0) return;
    const ht = this.hTime;
    const hs = this.hSeq;
    const t = ht[n];
    const seq = hs[n];
    const tok = this.hTok[n];
    const p = this.hProc[n];
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && (ht[r] < ht[c] || (ht[r] === ht[c] && hs[r] < hs[c]))) c = r;
      if (t < ht[c] || (t === ht[c] && seq < hs[c])) break;
      ht[i] = ht[c];
      hs[i] = hs[c];
      this.hTok[i] = this.hTok[c];
      this.hProc[i] = this.hProc[c];
      i = c;
    }
    ht[i] = t;
    hs[i] = seq;
    this.hTok[i] = tok;
    this.hProc[i] = p;
  }

  private growHeap(): void {
    const cap = this.hTime.length * 2;
    const t = new Float64Array(cap);
    t.set(this.hTime);
    const s = new Float64Array(cap);
    s.set(this.hSeq);
    const k = new Float64Array(cap);
    k.set(this.hTok);
    this.hTime = t;
    this.hSeq = s;
    this.hTok = k;
  }
}
