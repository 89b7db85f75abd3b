// qemuProcessStart and qemuProcessStop, the shared core of CreateXML/Create and Destroy, for the
// 1.0.5 and 9.x code paths (libvirt-locking.md §2.1). Entered with L_vm and the job held.
import { lock, unlock, work, type Gen } from '../engine.js';
import type { Daemon, Domain, QmpCommand } from '../daemon.js';

/**
 * The monitor exchanges of a 9.x start, in the order a traced libvirtd 9.0.0 makes them (TCG, a
 * domain without disk or NIC): each is one nested job of the async START job; some only enter and
 * exit the monitor. The sixth reads the guest CPU's properties one qom-get at a time (~400), drawn as
 * the round trips' computing (CPU-bound) and their waiting.
 */
const START_EXCHANGES_9: readonly (readonly QmpCommand[])[] = [
  [['QMP qmp_capabilities (QEMU initialising)', 'qemuInit']],
  [['QMP query-migrate-capabilities', 'qmpRoundTrip']],
  [['QMP migrate-set-capabilities', 'qmpRoundTrip']],
  [['QMP query-chardev', 'qmpRoundTrip']],
  [
    ['QMP query-hotpluggable-cpus', 'qmpRoundTrip'],
    ['QMP query-cpus-fast', 'qmpRoundTrip'],
  ],
  [
    ['QMP qom-list + qom-get x~400 (guest CPU properties): computing', 'qmpCpuProbe'],
    ['QMP qom-list + qom-get x~400: waiting on each other', 'qmpCpuProbeWait'],
  ],
  [['QMP query-iothreads', 'qmpRoundTrip']],
  [],
  [],
  [['QMP query-named-block-nodes', 'qmpRoundTrip']],
  [['QMP qom-list (balloon)', 'qmpRoundTrip']],
  [],
  [['QMP query-block', 'qmpRoundTrip']],
  [['QMP cont', 'qmpRoundTrip']],
];

/** Returns true when the domain runs. */
export function* processStart(d: Daemon, vm: Domain): Gen<boolean> {
  return d.modern ? yield* processStart9(d, vm) : yield* processStart105(d, vm);
}

function* processStart105(d: Daemon, vm: Domain): Gen<boolean> {
  yield* d.phase('prepareHost', 'qemuProcessStart: prepare host (hostdevs, ports, caps)');
  yield* d.security(vm, 'GenLabel');
  yield* d.phase('tapSetup', 'qemuBuildCommandLine: tap + bridge');
  // PreFork takes the security lock and keeps it across the fork until PostFork.
  const held = yield* d.security(vm, 'PreFork', true);
  yield* d.phase('forkExec', 'virCommandRun: fork qemu (daemonised)');
  if (held !== null) yield unlock(held);
  yield* d.phase('fsyncStatus', 'virDomainSaveStatus: fsync status XML');
  yield* d.phase('childHook', 'virCommandHandshakeWait: qemuProcessHook (cgroups, NUMA, lock manager)');
  yield* d.security(vm, 'SetAllLabel');
  // HandshakeNotify: QEMU execs. Its monitor socket appears a little later; 1.0.5 polls connect
  // every 200 ms with L_vm released.
  yield* d.security(vm, 'SetDaemonSocketLabel');
  const ready = d.costs.ns('qemuExecToSocket');
  const poll = d.costs.ns('monitorPoll');
  const connectNs = poll > 0 ? Math.max(1, Math.ceil(ready / poll)) * poll : ready;
  yield unlock(vm.lock);
  yield work(connectNs, 'qemuMonitorOpenUnix: connect (retry every 200 ms)');
  yield lock(vm.lock);
  yield* d.security(vm, 'ClearSocketLabel');
  // qmp_capabilities is answered once QEMU has initialised (CPU-bound, on the host's CPUs).
  yield* d.qmp(vm, 'QMP qmp_capabilities (QEMU initialising)', 'qemuInit');
  yield* d.qmp(vm, 'QMP query-chardev');
  yield* d.qmp(vm, 'QMP query-cpus');
  yield* d.phase('vcpuCgroup', 'cgroups: vCPUs + emulator');
  yield* d.qmp(vm, 'QMP balloon');
  yield* d.qmp(vm, 'QMP cont');
  yield* d.phase('fsyncStatus', 'virDomainSaveStatus: fsync status XML');
  vm.active = true;
  return true;
}

function* processStart9(d: Daemon, vm: Domain): Gen<boolean> {
  // qemuProcessInit gives the domain its id: from here it counts as active (a destroy may stop it).
  vm.active = true;
  vm.monitorEof = false;
  // qemuProcessPrepareDomain
  yield* d.phase('prepareHost', 'qemuProcessPrepareDomain');
  yield* d.security(vm, 'GenLabel');
  // qemuProcessPrepareHost: libDir, channelTargetDir, master key; each a path relabel transaction.
  // qemuSecurityDomainSetPathLabel etc. end every transaction with virSecurityManagerTransactionAbort
  // in their cleanup, which takes the stack lock once more even after a commit (seen in a trace
  // of libvirtd 9.0.0).
  for (let i = 0; i < 3; i++) {
    yield* d.security(vm, 'TransactionStart');
    yield* d.security(vm, 'SetPathLabel');
    yield* d.security(vm, 'TransactionCommit');
    yield* d.security(vm, 'TransactionAbort');
  }
  // qemuProcessLaunch
  yield* d.phase('virtlogd', 'virtlogd: open log');
  yield* d.phase('tapSetup', 'qemuBuildInterfaceConnect: tap + bridge');
  yield* d.security(vm, 'SetTapFDLabel');
  // The monitor socket libvirt pre-opens for QEMU is labelled around its creation.
  yield* d.security(vm, 'SetSocketLabel');
  yield* d.security(vm, 'ClearSocketLabel');
  const held = yield* d.security(vm, 'PreFork', true);
  yield* d.phase('forkExec', 'virCommandRun: fork qemu');
  if (held !== null) yield unlock(held);
  yield* d.phase('childHook', 'virCommandHandshakeWait: qemuProcessHook');
  yield* d.phase('forkExec', 'qemuDomainBuildNamespace: fork + setns + mknod');
  yield* d.phase('vcpuCgroup', 'cgroups + affinity');
  yield* d.security(vm, 'TransactionStart');
  yield* d.security(vm, 'SetAllLabel');
  yield* d.security(vm, 'TransactionCommit');
  yield* d.security(vm, 'TransactionAbort');
  // HandshakeNotify, then qemuConnectMonitor: the socket was pre-opened, connect is immediate.
  yield* d.security(vm, 'SetDaemonSocketLabel');
  yield unlock(vm.lock);
  yield* d.phase('monitorConnect', 'qemuMonitorOpen: connect');
  yield lock(vm.lock);
  // qemuMonitorOpen registers the monitor with the domain's event thread, then
  // qemuMonitorSetDomainLog hands it the log context: the monitor lock twice.
  yield lock(vm.monitor);
  yield unlock(vm.monitor);
  yield lock(vm.monitor);
  yield unlock(vm.monitor);
  yield* d.security(vm, 'ClearSocketLabel');
  // Every exchange is a nested job; one that fails (the domain was destroyed meanwhile, or its
  // monitor saw EOF) fails the start.
  for (const exchange of START_EXCHANGES_9) {
    if (!(yield* d.monitorExchange(vm, exchange))) return yield* stopFailedStart(d, vm);
  }
  yield* d.phase('fsyncStatus', 'virDomainSaveStatus: fsync status XML');
  // qemuProcessStart resets the monitor's log context once started.
  yield lock(vm.monitor);
  yield unlock(vm.monitor);
  return true;
}

/** qemuProcessStart's clean-up after a failure inside the async START job: qemuProcessStop under
 * a nested job, unless the domain was stopped meanwhile (by a destroy). */
function* stopFailedStart(d: Daemon, vm: Domain): Gen<boolean> {
  if (yield* d.beginJob(vm, 'nested')) {
    if (vm.active) yield* processStop(d, vm);
    yield* d.endJob(vm, 'nested');
  }
  return false;
}

/** qemuProcessKill(FORCE) under L_vm: SIGTERM, then poll every 200 ms until QEMU is gone. */
export function* processKill(d: Daemon, vm: Domain): Gen {
  const exit = d.costs.ns('qemuExitAfterTerm');
  const poll = d.costs.ns('killPoll');
  const polls = Math.max(1, Math.ceil(exit / poll));
  // The monitor sees EOF when QEMU exits, while this thread still sleeps between polls.
  const eofAt = d.now + exit;
  d.engine.callAt(eofAt, () => d.deliverEof(vm));
  yield work(polls * poll, 'virProcessKillPainfully: SIGTERM, poll every 200 ms');
}

/** qemuProcessStop, under L_vm and the job. */
export function* processStop(d: Daemon, vm: Domain): Gen {
  if (d.modern) {
    // qemuMonitorClose, then qemuDomainObjStopWorker: L_vm is released while the domain's event
    // thread is joined (its EOF handler, waiting for L_vm, can finish), then taken back.
    yield lock(vm.monitor);
    yield unlock(vm.monitor);
    yield unlock(vm.lock);
    yield* d.phase('eventThreadJoin', 'qemuDomainObjStopWorker: join the event thread');
    yield lock(vm.lock);
  }
  yield* d.phase('stopCleanup', 'qemuProcessStop: close monitor, network, cgroups');
  if (d.modern) yield* d.security(vm, 'TransactionStart');
  yield* d.security(vm, 'RestoreAllLabel');
  if (d.modern) yield* d.security(vm, 'TransactionCommit');
  if (d.modern) yield* d.security(vm, 'TransactionAbort');
  yield* d.security(vm, 'ReleaseLabel');
  vm.active = false;
}
