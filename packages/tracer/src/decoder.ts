// Decodes the preload library's records into a Lockscope `Trace`, incrementally: feed it the
// bytes of the events file and the text of the names file as they grow, call `drain()`, and
// the trace gains every event that can no longer be preceded by one still in flight (the
// library writes watermarks for that). `drain(true)` at the end takes the rest.
import { Mode, Trace, type LockClass, type LockKind, type ThreadRole } from '@lockscope/trace';
import { HEADER_BYTES, LOCK_FLAG_SHARED, Op, PHASES, RECORD_BYTES, parseHeader, readRecord, type FileHeader, type NameEntry, type RawRecord } from './format.js';
import { procedureName, procedureNamesDomain } from './procedures.js';

/** What an object line of the names file says; `by`, the address of the code that created it, as a bigint. */
interface ObjectName {
  kind: Extract<NameEntry, { o: number }>['kind'];
  cls: string;
  name: string;
  by: bigint;
}

interface JobName {
  kind: string;
  name: string;
}

interface Hold {
  depth: number;
  mode: Mode;
}

interface JobWait {
  lock: number;
  /** The request is in the trace (the job was contended: the thread waited on its condition). */
  requested: boolean;
  /** Woken from the condition wait: the domain object lock is to be taken back. */
  woken: boolean;
  /** Domain object lock released for the wait, re-acquired in the trace once the job is granted. */
  released: { lock: number; hold: Hold } | null;
  granted: boolean;
}

interface ThreadState {
  id: number;
  tid: number;
  holds: Map<number, Hold>;
  /** A lock request in the trace waiting for its acquired (`skip`: a recursive re-lock, not traced). */
  pending: { lock: number; mode: Mode; skip: boolean } | null;
  condSaved: Map<number, Hold>;
  job: JobWait | null;
  spanDepth: number;
}

/** Oddities met while decoding; a clean run of libvirtd has none of them. */
export interface DecodeAnomalies {
  /** Releases of a lock the thread did not hold (taken before tracing started, or elsewhere). */
  unmatchedReleases: number;
  /** Holds ended on behalf of another thread (a lock released by a thread other than its holder). */
  forcedReleases: number;
  /** Records older than an event already emitted (their time was raised to keep order). */
  lateRecords: number;
  /** Job requests that failed (timeout): their wait is shown, not their (absent) hold. */
  failedJobs: number;
  /** Shared requests on a lock first seen as a mutex (recorded as exclusive). */
  sharedOnMutex: number;
}

export interface DecoderOptions {
  /** Keep locks of class `other` (RPC objects, plain mutexes...). Default true. */
  includeOther?: boolean;
  /**
   * An acquisition that took less than this (ns) is written as uncontended (request and
   * acquired at the same time): below it the gap is the recorder's own two clock reads around an
   * uncontended lock call, not a wait. A thread that blocked sleeps in the kernel for longer.
   * Default 2000; 0 keeps every measured gap.
   */
  uncontendedBelowNs?: number;
}

export class TraceDecoder {
  readonly trace = new Trace(4096);
  readonly anomalies: DecodeAnomalies = { unmatchedReleases: 0, forcedReleases: 0, lateRecords: 0, failedJobs: 0, sharedOnMutex: 0 };
  /** API calls seen: label and subject per call, in the order they began. */
  readonly apiCalls: { thread: number; label: string; subject?: string; t: number }[] = [];

  private header: FileHeader | null = null;
  private carry = new Uint8Array(0);
  private namesCarry = '';
  private pendingRecords: RawRecord[] = [];
  private pendingMarks: { t: bigint; label: string }[] = [];
  private watermark = -1n;
  private lastTime = 0;
  private records = 0;
  private readonly includeOther: boolean;
  private readonly uncontendedBelowNs: bigint;

  private objects = new Map<number, ObjectName>();
  private jobs = new Map<number, JobName>();
  private symbols = new Map<bigint, string>();
  private modules: { name: string; base: bigint; start: bigint; end: bigint }[] = [];
  private callSubjects = new Map<number, string>();
  private qmpNames = new Map<number, string>();
  private threadNames = new Map<number, string>();
  private threads = new Map<number, ThreadState>();
  private lockIds = new Map<number, number>();
  /** Per trace lock: exclusive holder (thread state) and shared holders. */
  private exclusive = new Map<number, ThreadState>();
  private shared = new Map<number, Set<ThreadState>>();
  private skippedLocks = new Set<number>();

  constructor(options: DecoderOptions = {}) {
    this.includeOther = options.includeOther ?? true;
    this.uncontendedBelowNs = BigInt(options.uncontendedBelowNs ?? 2000);
    this.trace.meta = { source: 'tracer' };
  }

  /** Number of records read so far. */
  get recordCount(): number {
    return this.records;
  }

  /** Time (ns since the trace's start) up to which every event is in the trace. */
  get now(): number {
    return this.lastTime;
  }

  /** The process id of the traced daemon, once the header has been read. */
  get pid(): number | undefined {
    return this.header?.pid;
  }

  /** Name of a caller address: the symbol when the library resolved it, else `module+0xoffset`. */
  callerName(addr: bigint): string | undefined {
    const sym = this.symbols.get(addr);
    if (sym !== undefined) return sym;
    const m = this.modules.find((x) => addr >= x.start && addr < x.end);
    return m ? `${m.name.slice(m.name.lastIndexOf('/') + 1)}+0x${(addr - m.base).toString(16)}` : undefined;
  }

  /** Adds text appended to the names file (any split: a partial last line is kept for later). */
  pushNames(text: string): void {
    const all = this.namesCarry + text;
    const lines = all.split('\n');
    this.namesCarry = lines.pop() ?? '';
    for (const line of lines) {
      if (line.trim() === '') continue;
      let entry: NameEntry;
      try {
        entry = JSON.parse(line) as NameEntry;
      } catch {
        throw new Error(`names file: not a JSON line: ${line.slice(0, 120)}`);
      }
      this.applyName(entry);
    }
  }

  /** Adds bytes appended to the events file (any split). */
  pushEvents(bytes: Uint8Array): void {
    let data = bytes;
    if (this.carry.length > 0) {
      data = new Uint8Array(this.carry.length + bytes.length);
      data.set(this.carry, 0);
      data.set(bytes, this.carry.length);
    }
    let offset = 0;
    if (!this.header) {
      if (data.length < HEADER_BYTES) {
        this.carry = data.slice();
        return;
      }
      this.header = parseHeader(data);
      this.trace.meta.pid = this.header.pid;
      offset = HEADER_BYTES;
    }
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    const end = offset + Math.floor((data.length - offset) / RECORD_BYTES) * RECORD_BYTES;
    for (; offset < end; offset += RECORD_BYTES) {
      const r = readRecord(view, offset);
      this.records++;
      if (r.op === Op.Watermark) {
        if (r.t > this.watermark) this.watermark = r.t;
        continue;
      }
      if (r.op < Op.LockRequest || r.op > Op.ThreadExit) {
        throw new Error(`events file: record ${this.records} has unknown op ${r.op}`);
      }
      this.pendingRecords.push(r);
    }
    this.carry = data.slice(end);
  }

  /**
   * Adds a mark (for example "workload start") at a CLOCK_MONOTONIC time in ns, the clock of the
   * records (`process.hrtime.bigint()` in Node on Linux). It enters the trace in time order.
   */
  mark(monotonicNs: bigint, label: string): void {
    this.pendingMarks.push({ t: monotonicNs, label });
  }

  /**
   * Turns buffered records into trace events: those older than the last watermark, or all of
   * them when `final` (the daemon has exited). Returns the number of events added.
   */
  drain(final = false): number {
    const before = this.trace.length;
    if (!this.header || (this.pendingRecords.length === 0 && this.pendingMarks.length === 0)) return 0;
    const ready: RawRecord[] = [];
    const keep: RawRecord[] = [];
    for (const r of this.pendingRecords) (final || r.t < this.watermark ? ready : keep).push(r);
    this.pendingRecords = keep;
    if (this.uncontendedBelowNs > 0n) {
      // Records of one thread are in the order it made them: a request is directly followed by
      // its acquired.
      const lastRequest = new Map<number, RawRecord>();
      for (const r of ready) {
        if (r.op === Op.LockRequest) lastRequest.set(r.tid, r);
        else {
          const q = lastRequest.get(r.tid);
          if (q && r.op === Op.LockAcquired && r.t - q.t < this.uncontendedBelowNs) q.t = r.t;
          lastRequest.delete(r.tid);
        }
      }
    }
    // Stable sort: records of one thread keep their order (their times never decrease).
    ready.sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    const marks = this.pendingMarks.filter((m) => final || m.t < this.watermark).sort((a, b) => (a.t < b.t ? -1 : a.t > b.t ? 1 : 0));
    this.pendingMarks = this.pendingMarks.filter((m) => !(final || m.t < this.watermark));
    let next = 0;
    for (const r of ready) {
      while (next < marks.length && marks[next].t <= r.t) this.applyMark(marks[next++]);
      this.apply(r);
    }
    while (next < marks.length) this.applyMark(marks[next++]);
    return this.trace.length - before;
  }

  /** Locks still held, with the thread holding each (empty after a clean exit). */
  openHolds(): { thread: string; lock: string }[] {
    const out: { thread: string; lock: string }[] = [];
    for (const th of this.threads.values()) {
      for (const [lock, hold] of th.holds) {
        if (hold.depth > 0) out.push({ thread: this.trace.threads[th.id].name, lock: this.trace.locks[lock].name });
      }
    }
    return out;
  }

  // ---- names ----

  private applyName(e: NameEntry): void {
    if ('process' in e) {
      this.trace.meta.daemon = e.exe;
      this.trace.meta.offsets = e.offsets;
      if (e.libvirt !== undefined) this.trace.meta.libvirt = `${Math.floor(e.libvirt / 1e6)}.${Math.floor(e.libvirt / 1e3) % 1000}.${e.libvirt % 1000}`;
      if (e.readNames !== undefined) this.trace.meta.domainNames = e.readNames;
    } else if ('o' in e) {
      this.objects.set(e.o, { kind: e.kind, cls: e.class, name: e.name, by: BigInt(e.by) });
    } else if ('rename' in e) {
      const o = this.objects.get(e.rename);
      if (o) o.name = e.name;
      const lock = this.lockIds.get(e.rename);
      if (lock !== undefined && o) {
        const info = this.trace.locks[lock];
        info.subject = e.name;
        info.name = `domain ${e.name}`;
      }
    } else if ('job' in e) {
      this.jobs.set(e.job, { kind: e.kind, name: e.name || this.objects.get(e.of)?.name || '' });
    } else if ('module' in e) {
      const m = { name: e.module, base: BigInt(e.base), start: BigInt(e.start), end: BigInt(e.end) };
      const i = this.modules.findIndex((x) => x.start === m.start);
      if (i >= 0) this.modules[i] = m;
      else this.modules.push(m);
    } else if ('qmp' in e) {
      this.qmpNames.set(e.qmp, e.name);
    } else if ('sym' in e) {
      this.symbols.set(BigInt(e.sym), e.name);
    } else if ('call' in e) {
      this.callSubjects.set(e.call, e.subject);
    } else if ('t' in e) {
      this.threadNames.set(e.t, e.name);
      const th = this.threads.get(e.t);
      if (th) {
        const info = this.trace.threads[th.id];
        info.name = `${e.name} ${e.t}`;
        info.role = this.roleOf(e.t, e.name);
      }
    }
  }

  private roleOf(tid: number, name: string): ThreadRole {
    // The daemon's RPC pools (libvirtd, or virtqemud for modular daemons); the admin server's
    // pool (rpc-admin) is not the one that serves API calls.
    if (name.startsWith('prio-rpc-') && !name.startsWith('prio-rpc-admin')) return 'priority-worker';
    if (name.startsWith('rpc-') && !name.startsWith('rpc-admin')) return 'worker';
    if (name.startsWith('vm-')) return 'monitor';
    if (tid === this.header?.pid) return 'event-loop';
    return 'other';
  }

  private thread(tid: number): ThreadState {
    let th = this.threads.get(tid);
    if (!th) {
      const name = this.threadNames.get(tid) ?? 'thread';
      const id = this.trace.addThread(`${name} ${tid}`, this.roleOf(tid, name));
      th = { id, tid, holds: new Map(), pending: null, condSaved: new Map(), job: null, spanDepth: 0 };
      this.threads.set(tid, th);
    }
    return th;
  }

  /** Trace lock id for a raw id, or -1 when its class is filtered out. */
  private lock(raw: number, caller: bigint, shared: boolean, th?: ThreadState): number {
    const known = this.lockIds.get(raw);
    if (known !== undefined) return known;
    if (this.skippedLocks.has(raw)) return -1;
    const info = this.describe(raw, caller, shared);
    if (info.class === 'monitor' && th) {
      const domain = this.domainOf(th);
      if (domain) {
        info.subject = domain;
        info.name = `qemuMonitor ${domain}`;
      }
    }
    if (info.class === 'other' && !this.includeOther) {
      this.skippedLocks.add(raw);
      return -1;
    }
    const id = this.trace.addLock(info);
    this.lockIds.set(raw, id);
    return id;
  }

  /** The domain a thread works for: its event thread's name (vm-NAME), or the domain object it holds. */
  private domainOf(th: ThreadState): string | undefined {
    for (const [lock, hold] of th.holds) {
      const info = this.trace.locks[lock];
      if (hold.depth > 0 && info.class === 'domain-object' && info.subject) return info.subject;
    }
    const name = this.threadNames.get(th.tid);
    if (!name?.startsWith('vm-')) return undefined;
    const prefix = name.slice(3);
    // Thread names are cut at 15 characters: complete the name from the domains seen so far.
    if (name.length < 15) return prefix;
    const full = this.trace.locks.find((l) => l.class === 'domain-object' && l.subject?.startsWith(prefix));
    return full?.subject ?? prefix;
  }

  private describe(raw: number, caller: bigint, shared: boolean): { name: string; class: LockClass; kind: LockKind; subject?: string } {
    const job = this.jobs.get(raw);
    if (job) return { name: `${job.kind} ${job.name}`, class: 'domain-job', kind: 'job', ...(job.name ? { subject: job.name } : {}) };
    const o = this.objects.get(raw);
    if (!o) return { name: `lock #${raw}`, class: 'other', kind: shared ? 'rwlock' : 'mutex' };
    if (o.kind === 'object') {
      switch (o.cls) {
        case 'virDomainObjList':
          return { name: 'domain list', class: 'domain-list', kind: 'rwlock' };
        case 'virDomainObj':
          return o.name ? { name: `domain ${o.name}`, class: 'domain-object', kind: 'mutex', subject: o.name } : { name: `domain #${raw}`, class: 'domain-object', kind: 'mutex' };
        case 'virSecurityManager':
          return o.name === 'stack'
            ? { name: 'security manager (stack)', class: 'security-manager', kind: 'mutex' }
            : { name: `security driver ${o.name || '?'}`, class: 'security-driver', kind: 'mutex', ...(o.name ? { subject: o.name } : {}) };
        case 'qemuMonitor':
          return { name: `qemuMonitor #${raw}`, class: 'monitor', kind: 'mutex' };
        default:
          return { name: `${o.cls} #${raw}`, class: 'other', kind: o.cls.endsWith('ObjList') || shared ? 'rwlock' : 'mutex' };
      }
    }
    const by = this.symbols.get(o.by) ?? '';
    const here = this.symbols.get(caller) ?? '';
    if (by.startsWith('virQEMUDriver') || here.startsWith('virQEMUDriverGet')) return { name: 'QEMU driver', class: 'driver', kind: 'mutex' };
    const where = by || here;
    if (o.kind === 'rwlock' || shared) return { name: `virRWLock #${raw}${where ? ` @${where}` : ''}`, class: 'other', kind: 'rwlock' };
    return { name: `virMutex #${raw}${where ? ` @${where}` : ''}`, class: 'other', kind: 'mutex' };
  }

  // ---- records ----

  private time(r: RawRecord): number {
    let t = Number(r.t - (this.header as FileHeader).t0);
    if (t < this.lastTime) {
      this.anomalies.lateRecords++;
      t = this.lastTime;
    }
    this.lastTime = t;
    return t;
  }

  private applyMark(m: { t: bigint; label: string }): void {
    let t = Number(m.t - (this.header as FileHeader).t0);
    if (t < this.lastTime) t = this.lastTime;
    this.lastTime = t;
    this.trace.mark(t, m.label);
  }

  private apply(r: RawRecord): void {
    const th = this.thread(r.tid);
    const t = this.time(r);
    // A contended job whose waiter has been woken is granted once the thread does anything else.
    if (th.job && th.job.requested && th.job.woken && !th.job.granted && r.op !== Op.CondWait && r.op !== Op.JobAcquired) {
      this.grantJob(th, t);
    }
    switch (r.op) {
      case Op.LockRequest:
        this.onRequest(th, t, r);
        break;
      case Op.LockAcquired:
        this.onAcquired(th, t);
        break;
      case Op.LockReleased:
        this.onReleased(th, t, this.lock(r.id, r.caller, false));
        break;
      case Op.CondWait:
        this.onCondWait(th, t, r);
        break;
      case Op.CondWoken:
        this.onCondWoken(th, t, r);
        break;
      case Op.JobRequest: {
        const lock = this.lock(r.id, r.caller, false);
        th.job = lock < 0 ? null : { lock, requested: false, woken: false, released: null, granted: false };
        break;
      }
      case Op.JobAcquired:
        this.onJobAcquired(th, t, r.arg2 === 0);
        break;
      case Op.JobReleased:
        this.onReleased(th, t, this.lock(r.id, r.caller, false));
        break;
      case Op.ApiBegin: {
        const label = procedureName(r.arg, r.arg2);
        const subject = procedureNamesDomain(r.arg, r.arg2) ? this.callSubjects.get(r.id) : undefined;
        // Only RPC workers serve API calls: a worker whose name (from the side file) is not
        // known yet would otherwise stay filed under "other" threads.
        const info = this.trace.threads[th.id];
        if (info.role === 'other') info.role = 'worker';
        this.trace.beginSpan(t, th.id, 'api', label, subject);
        this.apiCalls.push(subject === undefined ? { thread: th.id, label, t } : { thread: th.id, label, subject, t });
        this.callSubjects.delete(r.id);
        th.spanDepth++;
        break;
      }
      case Op.PhaseBegin: {
        const qmp = r.arg === 5 && r.id !== 0 ? this.qmpNames.get(r.id) : undefined;
        this.trace.beginSpan(t, th.id, 'phase', qmp ? `QMP ${qmp}` : (PHASES[r.arg] ?? `phase ${r.arg}`));
        th.spanDepth++;
        break;
      }
      case Op.ApiEnd:
      case Op.PhaseEnd:
        if (th.spanDepth > 0) {
          this.trace.endSpan(t, th.id);
          th.spanDepth--;
        }
        break;
      case Op.ThreadExit:
        break;
    }
  }

  private onRequest(th: ThreadState, t: number, r: RawRecord): void {
    let mode: Mode = r.flags === LOCK_FLAG_SHARED ? Mode.Shared : Mode.Exclusive;
    const lock = this.lock(r.id, r.caller, mode === Mode.Shared, th);
    if (lock < 0) {
      th.pending = { lock, mode, skip: true };
      return;
    }
    if (mode === Mode.Shared && this.trace.locks[lock].kind === 'mutex') {
      this.anomalies.sharedOnMutex++;
      mode = Mode.Exclusive;
    }
    const held = th.holds.get(lock);
    if (held && held.depth > 0) {
      th.pending = { lock, mode, skip: true };
      return;
    }
    this.trace.request(t, th.id, lock, mode);
    th.pending = { lock, mode, skip: false };
  }

  private onAcquired(th: ThreadState, t: number): void {
    const p = th.pending;
    th.pending = null;
    if (!p) return;
    if (p.skip) {
      const held = th.holds.get(p.lock);
      if (held) held.depth++;
      return;
    }
    this.take(th, t, p.lock, p.mode);
  }

  /** Records an acquisition, first ending holds that the library saw end on another thread. */
  private take(th: ThreadState, t: number, lock: number, mode: Mode): void {
    const info = this.trace.locks[lock];
    if (info.class === 'monitor' && info.subject === undefined) {
      // First taken where its domain was not known (opening the monitor): name it now.
      const domain = this.domainOf(th);
      if (domain) {
        info.subject = domain;
        info.name = `qemuMonitor ${domain}`;
      }
    }
    const owner = this.exclusive.get(lock);
    if (owner && owner !== th) this.forceRelease(owner, t, lock);
    if (mode === Mode.Exclusive) {
      for (const other of this.shared.get(lock) ?? []) if (other !== th) this.forceRelease(other, t, lock);
    }
    this.trace.acquired(t, th.id, lock, mode);
    th.holds.set(lock, { depth: 1, mode });
    if (mode === Mode.Exclusive) this.exclusive.set(lock, th);
    else {
      let set = this.shared.get(lock);
      if (!set) this.shared.set(lock, (set = new Set()));
      set.add(th);
    }
  }

  private drop(th: ThreadState, t: number, lock: number, hold: Hold): void {
    this.trace.released(t, th.id, lock, hold.mode);
    th.holds.delete(lock);
    if (hold.mode === Mode.Exclusive) {
      if (this.exclusive.get(lock) === th) this.exclusive.delete(lock);
    } else this.shared.get(lock)?.delete(th);
  }

  private forceRelease(owner: ThreadState, t: number, lock: number): void {
    const hold = owner.holds.get(lock);
    if (!hold || (owner.pending && !owner.pending.skip)) return;
    this.anomalies.forcedReleases++;
    this.drop(owner, t, lock, hold);
  }

  private onReleased(th: ThreadState, t: number, lock: number): void {
    if (lock < 0) return;
    const hold = th.holds.get(lock);
    if (hold && hold.depth > 1) {
      hold.depth--;
      return;
    }
    if (hold && hold.depth === 1) {
      this.drop(th, t, lock, hold);
      return;
    }
    const owner = this.exclusive.get(lock);
    if (owner && owner !== th) {
      // Jobs may end on another thread than the one that began them; so may plain mutexes.
      this.forceRelease(owner, t, lock);
      return;
    }
    this.anomalies.unmatchedReleases++;
  }

  private onCondWait(th: ThreadState, t: number, r: RawRecord): void {
    const lock = this.lock(r.id, r.caller, false);
    if (lock < 0) return;
    const hold = th.holds.get(lock);
    const job = th.job;
    if (job && !job.granted) {
      if (hold && hold.depth > 0) {
        this.drop(th, t, lock, hold);
        job.released = { lock, hold };
      }
      if (!job.requested) {
        this.trace.request(t, th.id, job.lock, Mode.Exclusive);
        job.requested = true;
      }
      job.woken = false;
      return;
    }
    if (hold && hold.depth > 0) {
      this.drop(th, t, lock, hold);
      th.condSaved.set(lock, hold);
    }
  }

  private onCondWoken(th: ThreadState, t: number, r: RawRecord): void {
    const lock = this.lock(r.id, r.caller, false);
    if (lock < 0) return;
    const job = th.job;
    if (job && !job.granted && job.requested) {
      job.woken = true;
      return;
    }
    const saved = th.condSaved.get(lock);
    if (saved) {
      th.condSaved.delete(lock);
      this.trace.request(t, th.id, lock, saved.mode);
      this.take(th, t, lock, saved.mode);
      const now = th.holds.get(lock);
      if (now) now.depth = saved.depth;
    }
  }

  private grantJob(th: ThreadState, t: number, job: JobWait = th.job as JobWait): void {
    job.granted = true;
    this.take(th, t, job.lock, Mode.Exclusive);
    if (job.released) {
      const { lock, hold } = job.released;
      this.trace.request(t, th.id, lock, hold.mode);
      this.take(th, t, lock, hold.mode);
      const now = th.holds.get(lock);
      if (now) now.depth = hold.depth;
      job.released = null;
    }
  }

  private onJobAcquired(th: ThreadState, t: number, ok: boolean): void {
    const job = th.job;
    th.job = null;
    if (!job) return;
    if (ok) {
      if (!job.granted) {
        if (!job.requested) this.trace.request(t, th.id, job.lock, Mode.Exclusive);
        job.requested = true;
        this.grantJob(th, t, job);
      }
      return;
    }
    this.anomalies.failedJobs++;
    if (job.granted) {
      const hold = th.holds.get(job.lock);
      if (hold) this.drop(th, t, job.lock, hold);
      return;
    }
    if (job.requested) {
      // The wait is in the trace; close it with an empty hold when nobody holds the job.
      const owner = this.exclusive.get(job.lock);
      if (!owner || owner === th) {
        this.trace.acquired(t, th.id, job.lock, Mode.Exclusive);
        this.trace.released(t, th.id, job.lock, Mode.Exclusive);
      }
    }
    if (job.released) {
      const { lock, hold } = job.released;
      this.trace.request(t, th.id, lock, hold.mode);
      this.take(th, t, lock, hold.mode);
    }
  }
}
