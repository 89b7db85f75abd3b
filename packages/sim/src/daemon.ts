// The simulated libvirtd: its domain list, domain objects, security managers and threads, plus
// the small building blocks every API call is made of (list lookups, the job, the monitor,
// security calls). A strategy decides which lock each block takes; the blocks keep their shape.
import { Mode, type Trace } from '@lockscope/trace';
import { Costs, COST_TABLES, type CostName } from './costs.js';
import type { Rng } from '@lockscope/trace';
import { Cond, Engine, SerialThread, condWait, endSpan, lock, lockEach, mark, signal, span, unlock, work, type Gen, type SimLock } from './engine.js';
import { RpcPool } from './rpc-pool.js';
import type { Strategy } from './strategy.js';

/** QEMU_JOB_WAIT_TIME / VIR_JOB_WAIT_TIME: 30 s in both versions. */
export const JOB_WAIT_NS = 30e9;

export type JobType = 'query' | 'modify' | 'destroy' | 'async-start' | 'nested';

/** One QMP command of a monitor exchange: its phase label and cost. */
export type QmpCommand = readonly [label: string, cost: CostName];

export interface Domain {
  name: string;
  /** L_vm: the virDomainObj mutex. */
  lock: SimLock;
  /** J: the job, a condition on L_vm (job.active; in 1.0.5 the only job). */
  job: SimLock;
  jobCond: Cond;
  jobType: JobType | null;
  /** 9.x job.asyncJob, a second lock of class domain-job (created on first use): an async job
   * (START) leaves job.active free for the nested jobs of its monitor exchanges and for the jobs
   * its mask allows (DESTROY). Waiters for it wait on asyncCond. */
  asyncJob: SimLock | null;
  asyncCond: Cond;
  asyncJobType: JobType | null;
  /** M: the qemuMonitor mutex. */
  monitor: SimLock;
  /** Per-domain security lock (security.lock = domain), created on first use. */
  secLock: SimLock | null;
  /** 9.x per-domain event thread, created on first use. */
  monitorThread: SerialThread | null;
  persistent: boolean;
  active: boolean;
  beingDestroyed: boolean;
  /** QEMU's monitor has reported EOF (the process exited): later commands on it fail at once. */
  monitorEof: boolean;
  removed: boolean;
  /** A workload has an operation in flight on it (workload bookkeeping, not libvirt state). */
  busy: boolean;
}

/** 'none' is libvirt's no-op driver: it still has a manager (and a lock) in the stack. */
export type SecurityDriver = 'apparmor' | 'dac' | 'selinux' | 'none';

export class Daemon {
  readonly costs: Costs;
  readonly domains: Domain[] = [];
  /** The domains' object locks, in list order (for walks that lock every object). */
  readonly domainLocks: SimLock[] = [];
  private readonly byName = new Map<string, Domain>();
  private listMutex: SimLock | null = null;
  private listRw: SimLock | null = null;
  /** The list lock callers take now (the other one, after a live switch, only once it is free). */
  private listInUse: SimLock | null = null;
  private securityStack: SimLock | null = null;
  private readonly driverLocks = new Map<SecurityDriver, SimLock>();
  readonly eventLoop: SerialThread;
  /** The RPC worker pool and the clients' connections. */
  readonly rpc: RpcPool;

  constructor(
    readonly engine: Engine,
    public strategy: Strategy,
    readonly rng: Rng,
  ) {
    this.costs = new Costs(COST_TABLES[strategy.costs], rng);
    this.eventLoop = new SerialThread(this.trace.addThread('main event loop', 'event-loop'));
    this.rpc = new RpcPool(engine, this.costs);
    this.strategyChanged();
  }

  /** Call after `strategy` changes: costs, and 1.0.5 reading every call on the event loop. */
  strategyChanged(): void {
    const s = this.strategy;
    this.costs.table = COST_TABLES[s.costs];
    const overrides: Partial<Record<CostName, number>> = {};
    if (s['qemu.initMs'] > 0) overrides.qemuInit = s['qemu.initMs'];
    if (s['apparmor.loadMs'] > 0) overrides.aaLoadProfile = s['apparmor.loadMs'];
    if (s['start.hostMs'] > 0) overrides.childHook = s['start.hostMs'];
    this.costs.overrides = overrides;
    this.rpc.setIoGate(this.modern ? null : this.eventLoop);
  }

  get trace(): Trace {
    return this.engine.trace;
  }

  get now(): number {
    return this.engine.now;
  }

  get modern(): boolean {
    return this.strategy.code === '9.0';
  }

  // ---- objects ----

  /** virDomainObjEndAPI (1.0.5: virObjectUnlock): the end of an API call's use of its domain. */
  *endAPI(vm: Domain): Gen {
    yield unlock(vm.lock);
  }

  /** The domain list lock as the strategy has it now. */
  listLock(): SimLock {
    const kind = this.strategy['list.lock'] === 'rwlock' ? 'rwlock' : 'mutex';
    // A live switch of list.lock takes effect once the list lock in use is free: its holders
    // and waiters must still exclude whoever changes the list (a walk of the list under one lock
    // while a holder of the other adds or removes a domain would read the list in pieces).
    const inUse = this.listInUse;
    if (inUse !== null && (inUse.kind === kind || inUse.held || inUse.waiters.length > 0)) return inUse;
    let l: SimLock;
    if (kind === 'rwlock') {
      l = this.listRw ??= this.engine.newLock(this.listMutex ? 'domain list (rwlock)' : 'domain list', 'domain-list', 'rwlock');
    } else {
      // Named like the tracer names the real daemon's lock; a second list lock (after a live
      // switch of list.lock) says its kind.
      l = this.listMutex ??= this.engine.newLock(this.listRw ? 'domain list (mutex)' : 'domain list', 'domain-list', 'mutex');
    }
    this.listInUse = l;
    return l;
  }

  newDomain(name: string, persistent: boolean): Domain {
    return {
      name,
      lock: this.engine.newLock(`domain ${name}`, 'domain-object', 'mutex', name),
      job: this.engine.newLock(`job ${name}`, 'domain-job', 'job', name),
      jobCond: new Cond(),
      jobType: null,
      asyncJob: null,
      asyncCond: new Cond(),
      asyncJobType: null,
      monitor: this.engine.newLock(`qemuMonitor ${name}`, 'monitor', 'mutex', name),
      secLock: null,
      monitorThread: null,
      persistent,
      active: false,
      beingDestroyed: false,
      monitorEof: false,
      removed: false,
      busy: false,
    };
  }

  /** Puts a domain in the list without any event (domains that exist before the trace starts). */
  insert(vm: Domain): void {
    this.domains.push(vm);
    this.domainLocks.push(vm.lock);
    this.byName.set(vm.name, vm);
  }

  find(name: string): Domain | undefined {
    return this.byName.get(name);
  }

  private remove(vm: Domain): void {
    const i = this.domains.indexOf(vm);
    if (i >= 0) {
      this.domains.splice(i, 1);
      this.domainLocks.splice(i, 1);
    }
    this.byName.delete(vm.name);
    vm.removed = true;
  }

  securityDrivers(): SecurityDriver[] {
    switch (this.strategy['security.drivers']) {
      case 'apparmor+dac':
        return ['apparmor', 'dac'];
      case 'selinux+dac':
        return ['selinux', 'dac'];
      case 'dac':
        return ['dac'];
      case 'none':
        return ['none'];
    }
  }

  private stackLock(): SimLock {
    this.securityStack ??= this.engine.newLock('security manager (stack)', 'security-manager', 'mutex');
    return this.securityStack;
  }

  private driverLock(d: SecurityDriver): SimLock {
    let l = this.driverLocks.get(d);
    if (!l) {
      l = this.engine.newLock(`security driver ${d}`, 'security-driver', 'mutex', d);
      this.driverLocks.set(d, l);
    }
    return l;
  }

  private domainSecLock(vm: Domain): SimLock {
    vm.secLock ??= this.engine.newLock(`security ${vm.name}`, 'security-driver', 'mutex', vm.name);
    return vm.secLock;
  }

  /** The async job lock, named like the tracer names the real daemon's (`async-job vm-01`). */
  asyncJobLock(vm: Domain): SimLock {
    vm.asyncJob ??= this.engine.newLock(`async-job ${vm.name}`, 'domain-job', 'job', vm.name);
    return vm.asyncJob;
  }

  monitorThread(vm: Domain): SerialThread {
    vm.monitorThread ??= new SerialThread(this.trace.addThread(`vm-${vm.name}`, 'monitor'));
    return vm.monitorThread;
  }

  // ---- building blocks (generators) ----

  /** A work phase whose duration comes from the cost table. */
  *phase(cost: CostName, label: string): Gen {
    yield work(this.costs.ns(cost), label, this.costs.cpu(cost));
  }

  /**
   * The name check of virDomainObjListAdd / FindByName, under the list lock held by the caller.
   * lock-objects: virHashSearch(SearchName) locks and unlocks every domain object in turn, so it
   * waits for any domain whose object lock is held (a start in progress holds it for seconds).
   */
  *nameLookup(): Gen {
    switch (this.strategy['list.lookup']) {
      case 'lock-objects': {
        yield span('phase', 'virHashSearch: SearchName (locks each domain)');
        yield lockEach(this.domainLocks);
        yield endSpan();
        return;
      }
      case 'name-copy':
        // Reading immutable name copies: ~20 ns per entry, no domain lock.
        yield work(20 * this.domains.length, 'virHashSearch: compare name copies');
        return;
      case 'name-hash':
        return;
    }
  }

  /** virDomainObjListAdd: returns the new domain locked, or null on a name clash. */
  *listAdd(name: string, persistent: boolean): Gen<Domain | null> {
    const l = this.listLock();
    yield lock(l, Mode.Exclusive);
    yield* this.nameLookup();
    if (this.byName.has(name)) {
      yield unlock(l);
      return null;
    }
    const vm = this.newDomain(name, persistent);
    yield lock(vm.lock);
    this.insert(vm);
    yield unlock(l);
    return vm;
  }

  /** virDomainObjListRemove: the caller holds L_vm; unlock it, take the list, relock, remove. */
  *listRemove(vm: Domain): Gen {
    const l = this.listLock();
    yield unlock(vm.lock);
    yield lock(l, Mode.Exclusive);
    yield lock(vm.lock);
    this.remove(vm);
    yield unlock(l);
  }

  /** FindByUUID: list lock (shared if an rwlock), then the target locked under it. */
  *findByUUID(vm: Domain): Gen<boolean> {
    const l = this.listLock();
    yield lock(l, Mode.Shared);
    if (vm.removed) {
      yield unlock(l);
      return false;
    }
    yield lock(vm.lock);
    yield unlock(l);
    return true;
  }

  /** FindByName: 1.0.5 scans (per list.lookup); the found domain is locked under the list lock. */
  *findByName(name: string): Gen<Domain | null> {
    const l = this.listLock();
    yield lock(l, Mode.Shared);
    yield* this.nameLookup();
    const vm = this.byName.get(name);
    if (vm === undefined) {
      yield unlock(l);
      return null;
    }
    yield lock(vm.lock);
    yield unlock(l);
    return vm;
  }

  /**
   * BeginJob, entered with L_vm held: waits (a condition wait that releases L_vm) while another
   * job is active, for at most 30 s; then fails with "cannot acquire state change lock".
   * 9.x (virDomainObjBeginJobInternal) keeps the async job apart from the normal one: `async-start`
   * takes the async job lock, every other type the normal job lock; during an async job only the
   * jobs of its mask get in (START: DESTROY, which qemuDomainObjSetAsyncJobMask always adds) and
   * the async job's own nested jobs (`nested`); the others wait on asyncCond.
   */
  *beginJob(vm: Domain, type: JobType): Gen<boolean> {
    const deadline = this.now + JOB_WAIT_NS;
    if (!this.modern) {
      while (vm.job.owner !== null) {
        yield span('phase', `virCondWaitUntil: job (${vm.jobType ?? 'none'} active)`);
        const signalled = yield condWait(vm.jobCond, vm.lock, deadline);
        yield endSpan();
        if (signalled === 0 && vm.job.owner !== null) {
          yield mark(`${vm.name}: cannot acquire state change lock (held by ${vm.jobType ?? 'unknown'} job)`);
          return false;
        }
      }
      yield lock(vm.job);
      vm.jobType = type;
      return true;
    }
    const nested = type === 'nested';
    for (;;) {
      // virDomainNestedJobAllowed
      while (!nested && !this.allowedDuringAsyncJob(vm, type)) {
        if (!(yield* this.jobWait(vm, vm.asyncCond, deadline, `async job (${vm.asyncJobType ?? 'none'} active)`, vm.asyncJobType))) return false;
      }
      // virDomainObjCanSetJob
      while (vm.job.owner !== null) {
        if (!(yield* this.jobWait(vm, vm.jobCond, deadline, `job (${vm.jobType ?? 'none'} active)`, vm.jobType))) return false;
      }
      // An async job may have begun while L_vm was released: check again.
      if (nested || this.allowedDuringAsyncJob(vm, type)) break;
    }
    if (type === 'async-start') {
      yield lock(this.asyncJobLock(vm));
      vm.asyncJobType = type;
    } else {
      yield lock(vm.job);
      vm.jobType = type;
    }
    return true;
  }

  /** 9.x: no async job, or the async job's mask allows `type` (START's mask: DESTROY only). */
  private allowedDuringAsyncJob(vm: Domain, type: JobType): boolean {
    return vm.asyncJob === null || vm.asyncJob.owner === null || type === 'destroy';
  }

  /** One virCondWaitUntil of a 9.x job wait; false (with the libvirt error as a mark) once 30 s have passed. */
  private *jobWait(vm: Domain, cond: Cond, deadline: number, what: string, holder: JobType | null): Gen<boolean> {
    if (this.now >= deadline) {
      yield mark(`${vm.name}: cannot acquire state change lock (held by ${holder ?? 'unknown'} job)`);
      return false;
    }
    yield span('phase', `virCondWaitUntil: ${what}`);
    yield condWait(cond, vm.lock, deadline);
    yield endSpan();
    return true;
  }

  /** EndJob: 1.0.5 signals one waiter, 9.x broadcasts. `async-start` (begun by the 9.x path):
   * EndAsyncJob releases the async job and broadcasts asyncCond. */
  *endJob(vm: Domain, type: JobType = 'modify'): Gen {
    if (type === 'async-start') {
      vm.asyncJobType = null;
      yield unlock(this.asyncJobLock(vm));
      yield signal(vm.asyncCond, true);
      return;
    }
    vm.jobType = null;
    yield unlock(vm.job);
    yield signal(vm.jobCond, this.modern);
  }

  /**
   * qemuDomainObjEnterMonitor(Async): lock M, then release L_vm for the exchange. In 9.x, inside
   * an async job, the exchange is a nested job (virDomainObjBeginNestedJob), and a domain that
   * stopped meanwhile fails it ("domain is no longer running"): false.
   */
  *enterMonitor(vm: Domain): Gen<boolean> {
    if (this.inAsyncJob(vm)) {
      if (!(yield* this.beginJob(vm, 'nested'))) return false;
      if (!vm.active) {
        yield mark(`${vm.name}: domain is no longer running`);
        yield* this.endJob(vm, 'nested');
        return false;
      }
    }
    yield lock(vm.monitor);
    yield unlock(vm.lock);
    return true;
  }

  /** qemuDomainObjExitMonitor: unlock M, take L_vm back; end the nested job if one was begun. */
  *exitMonitor(vm: Domain): Gen {
    yield unlock(vm.monitor);
    yield lock(vm.lock);
    if (vm.jobType === 'nested') yield* this.endJob(vm, 'nested');
  }

  /** 9.x: an async job is active on the domain (the monitor exchanges of its owner are nested jobs). */
  private inAsyncJob(vm: Domain): boolean {
    return this.modern && vm.asyncJob !== null && vm.asyncJob.owner !== null;
  }

  /** One QMP exchange inside enter/exit monitor. qemuMonitorSend waits for the reply on
   * mon->notify, which releases M (a traced libvirtd 9.0.0 holds M for microseconds per command).
   * False if the monitor could not be entered (9.x: the domain stopped). */
  *qmp(vm: Domain, label: string, cost: CostName = 'qmpRoundTrip'): Gen<boolean> {
    return yield* this.monitorExchange(vm, [[label, cost]]);
  }

  /** Enter the monitor, send each command in turn (none: an exchange that only enters and exits). */
  *monitorExchange(vm: Domain, commands: readonly QmpCommand[]): Gen<boolean> {
    if (!(yield* this.enterMonitor(vm))) return false;
    if (vm.monitorEof) {
      // qemuMonitorSend: the monitor's lastError (EOF) fails the command without sending it.
      yield* this.exitMonitor(vm);
      return false;
    }
    for (const [label, cost] of commands) {
      yield unlock(vm.monitor);
      yield work(this.costs.ns(cost), label, this.costs.cpu(cost));
      yield lock(vm.monitor);
    }
    yield* this.exitMonitor(vm);
    return true;
  }

  /** The phase a security driver runs for an operation, or null if it is a no-op for it. */
  private driverWork(d: SecurityDriver, op: SecurityOp): [CostName, string] | null {
    const modern = this.modern;
    switch (d) {
      case 'apparmor':
        if (op === 'GenLabel') return ['aaLoadProfile', 'virt-aa-helper -c: load profile'];
        if (op === 'RestoreAllLabel') return ['aaRemoveProfile', modern ? 'virt-aa-helper -D: unload profile' : 'virt-aa-helper -R: remove profile'];
        if (op === 'SetPathLabel') return ['aaReloadProfile', 'virt-aa-helper -r -F: reload profile'];
        if (op === 'SetTapFDLabel') return ['aaReloadProfile', 'virt-aa-helper -r: reload profile (tap fd)'];
        return null;
      case 'dac':
        if (op === 'SetAllLabel') return modern ? null : ['dacChown', 'chown disks'];
        if (op === 'RestoreAllLabel') return modern ? null : ['dacRestore', 'chown back disks'];
        if (op === 'TransactionCommit') return ['dacFork', 'DAC transaction: fork + chown'];
        if (op === 'PreFork') return modern ? ['dacGroupList', 'getgrouplist'] : null;
        return null;
      case 'selinux':
        if (op === 'GenLabel') return ['selinuxGenLabel', 'SELinux: pick MCS label'];
        if (op === 'SetAllLabel') return ['selinuxSetFiles', 'setfilecon disks'];
        if (op === 'RestoreAllLabel') return ['selinuxRestoreFiles', 'matchpathcon + setfilecon'];
        return null;
      case 'none':
        return null;
    }
  }

  /**
   * A virSecurityManager call for `vm`. The work per driver is the same under every strategy;
   * security.lock decides the lock around it:
   * - manager: the stack's lock around the whole call, and each nested driver's own lock
   *   around its part (GenLabel calls the drivers directly, without their locks);
   * - driver: only each driver's own lock, around that driver's work;
   * - domain: one lock per domain around the call.
   * `keepLocked` (PreFork) returns the lock still held, for PostFork to release.
   */
  *security(vm: Domain, op: SecurityOp, keepLocked = false): Gen<SimLock | null> {
    const drivers = this.securityDrivers();
    const scope = this.strategy['security.lock'];
    if (scope === 'manager') {
      const s = this.stackLock();
      yield lock(s);
      for (const d of drivers) {
        const w = this.driverWork(d, op);
        const nested = op !== 'GenLabel';
        if (nested) yield lock(this.driverLock(d));
        if (w) yield work(this.costs.ns(w[0]), w[1], this.costs.cpu(w[0]));
        if (nested) yield unlock(this.driverLock(d));
      }
      if (keepLocked) return s;
      yield unlock(s);
      return null;
    }
    if (scope === 'driver') {
      for (const d of drivers) {
        const w = this.driverWork(d, op);
        if (!w) continue;
        const l = this.driverLock(d);
        yield lock(l);
        yield work(this.costs.ns(w[0]), w[1], this.costs.cpu(w[0]));
        yield unlock(l);
      }
      return null;
    }
    let l: SimLock | null = null;
    for (const d of drivers) {
      const w = this.driverWork(d, op);
      if (!w) continue;
      if (l === null) {
        l = this.domainSecLock(vm);
        yield lock(l);
      }
      yield work(this.costs.ns(w[0]), w[1], this.costs.cpu(w[0]));
    }
    if (l !== null && !keepLocked) {
      yield unlock(l);
      return null;
    }
    return l;
  }

  /** QEMU has exited: its monitor reports EOF on the event loop (1.0.5) or the domain's event
   * thread (9.x); the handler locks the domain object, so it waits for whoever holds it. */
  deliverEof(vm: Domain): void {
    vm.monitorEof = true;
    const thread = this.modern ? this.monitorThread(vm) : this.eventLoop;
    const self = this;
    this.engine.runOn(thread, function* eof(): Gen {
      yield span('phase', 'qemuProcessHandleMonitorEOF', vm.name);
      yield lock(vm.lock);
      yield* self.phase('eofHandler', vm.beingDestroyed ? 'EOF expected: domain being destroyed' : 'EOF: domain stopped');
      yield unlock(vm.lock);
      yield endSpan();
    });
  }
}

export type SecurityOp =
  | 'GenLabel'
  | 'SetAllLabel'
  | 'RestoreAllLabel'
  | 'ReleaseLabel'
  | 'SetDaemonSocketLabel'
  | 'ClearSocketLabel'
  | 'PreFork'
  | 'SetPathLabel'
  | 'SetTapFDLabel'
  | 'TransactionStart'
  | 'TransactionCommit'
  | 'TransactionAbort'
  | 'SetSocketLabel';
