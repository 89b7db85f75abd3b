// The one cost table of the model: how long each step of libvirtd's code path takes.
// Every number says where it comes from:
//   S = sourced (a measurement or the code; see docs/libvirt-locking.md §4),
//   D = derived from sourced figures,
//   A = assumption (order of magnitude, a user can change it by editing this table),
//   F = fitted, and to what.
// Calibrated once against the seed's figures (S1..S4 in fidelity.md), then left alone: first the
// sourced numbers, then three fitted ones (F) for what the thread does not give: aaLoadProfile
// to S1 - S2, qemuInit + childHook to S2, and their split to S3. docs/fidelity.md has the table.
import type { Rng } from '@lockscope/trace';

export const COST_PROFILES = ['host-2013', 'this-machine'] as const;
export type CostProfile = (typeof COST_PROFILES)[number];

export interface Cost {
  /** Median duration in ms. */
  ms: number;
  /** Uniform relative jitter: the draw is ms * (1 ± jitter). */
  jitter: number;
  /** CPU-bound: shares the host CPUs with the other CPU-bound phases. */
  cpu: boolean;
  source: string;
}

export type CostName =
  | 'parseXML'
  | 'prepareHost'
  | 'tapSetup'
  | 'forkExec'
  | 'childHook'
  | 'fsyncStatus'
  | 'saveConfig'
  | 'deleteConfig'
  | 'qemuExecToSocket'
  | 'monitorPoll'
  | 'qemuInit'
  | 'qmpRoundTrip'
  | 'qmpCpuProbe'
  | 'qmpCpuProbeWait'
  | 'monitorConnect'
  | 'eventThreadJoin'
  | 'vcpuCgroup'
  | 'killPoll'
  | 'qemuExitAfterTerm'
  | 'stopCleanup'
  | 'procStat'
  | 'eofHandler'
  | 'aaLoadProfile'
  | 'aaReloadProfile'
  | 'aaRemoveProfile'
  | 'dacChown'
  | 'dacRestore'
  | 'dacFork'
  | 'dacGroupList'
  | 'selinuxGenLabel'
  | 'selinuxSetFiles'
  | 'selinuxRestoreFiles'
  | 'labelNoop'
  | 'virtlogd'
  | 'rpcDispatch'
  | 'rpcReply';

export type CostTable = Record<CostName, Cost>;

const c = (ms: number, jitter: number, cpu: boolean, source: string): Cost => ({ ms, jitter, cpu, source });

/** A KVM host of 2013 (the seed's): libvirt 1.0.x, AppArmor + DAC, local disks. */
const HOST_2013: CostTable = {
  parseXML: c(3, 0.3, false, 'A: libxml2 parse + post-parse of a small domain XML, ms scale'),
  prepareHost: c(10, 0.3, false, 'A: transient def, id, hostdev lists, port allocation, caps copy (1.0.5 qemuProcessStart steps 1+3)'),
  tapSetup: c(15, 0.3, false, 'A: tap creation, bridge port and MAC ioctls for one NIC'),
  forkExec: c(20, 0.3, true, 'A: fork of the daemon + exec until the pidfile exists (virCommandRun, daemonised)'),
  childHook: c(2000, 0.15, true,
    'F: host-side start work under L_vm between the fork and the handshake (child hook: cgroups, NUMA, lock manager; ' +
    'devices and network set-up). No per-step figure for 2013 hardware exists. Its split from qemuInit is fitted to S3: ' +
    'with the security contention gone, DefineXML during the storm still takes a few seconds (1-10 s) because the name ' +
    'scan waits for the domain objects that starts hold'),
  fsyncStatus: c(20, 0.3, false, 'A: write + fsync of the status XML on a 2013 local disk'),
  saveConfig: c(20, 0.3, false, 'A: virFileRewrite of the persistent XML (write, fsync, rename); S4 says a whole DefineXML took tens of ms'),
  deleteConfig: c(0.5, 0.3, false, 'A: unlink of the persistent XML'),
  qemuExecToSocket: c(80, 0.3, true, 'S: "qemu -version takes 60ms" (dynamic linking, rwmj 2016) + A: option parsing until the monitor socket listens'),
  monitorPoll: c(200, 0, false, 'S: 1.0.5 qemuMonitorOpenUnix retries connect every 200 ms (fixed in beaa447a29, v1.3.4)'),
  qemuInit: c(3500, 0.2, true,
    'F: QEMU\'s own start-up on the 2013 host until it answers qmp_capabilities (L_vm released). qemu 494e95e910 puts ' +
    'KVM_GET_SUPPORTED_CPUID alone at >100 ms, about half of a 2016 start; the rest of a 2013 OpenStack guest\'s start ' +
    '(memory, disks, devices) has no figure. Fitted so that S2 (20 creations, DAC only) takes 25 s, with childHook'),
  qmpRoundTrip: c(1, 0.5, false, 'A: 0.2-2 ms per simple QMP command'),
  qmpCpuProbe: c(40, 0.3, true,
    'A: 9.x start, one monitor exchange reading the guest CPU\'s properties (qom-list, then one qom-get per property: ' +
    '~400 in a trace of libvirtd 9.0.0); ~0.2 ms per round trip on a KVM host, half of it computing (QEMU and libvirtd)'),
  qmpCpuProbeWait: c(40, 0.3, false, 'A: the other half of those ~400 round trips: the two processes waking each other up'),
  monitorConnect: c(0.04, 0, false, 'S: traced here: 9.x qemuMonitorOpen released the domain object for 41 us around connect() on the socket libvirt pre-opened'),
  eventThreadJoin: c(1.5, 0.3, true,
    'S: traced here (1 domain): 9.x qemuDomainObjStopWorker released the domain object for 1.5 ms while the domain\'s event ' +
    'thread exited (2.5-22 ms with 10 concurrent lifecycles on 2 cores: the thread must be scheduled, hence CPU-bound)'),
  vcpuCgroup: c(5, 0.3, false, 'A: vCPU and emulator cgroups under L_vm'),
  killPoll: c(200, 0, false, 'S: virProcessKillPainfully polls every 200 ms, at least one sleep'),
  qemuExitAfterTerm: c(30, 0.3, false, 'A: a KVM QEMU exits within tens of ms of SIGTERM'),
  stopCleanup: c(20, 0.3, false, 'A: qemuProcessStop besides security: monitor close, network release, cgroup removal'),
  procStat: c(0.05, 0.3, false, 'A: read /proc/<pid>/stat'),
  eofHandler: c(0.1, 0.3, false, 'A: monitor EOF callback bookkeeping'),
  aaLoadProfile: c(650, 0.15, true,
    'S/F: virt-aa-helper -c + apparmor_parser -a (uncached compile), in GenLabel under S: the thread (079190) says GenLabel ' +
    'with AppArmor "takes around 1 s"; 1.0.5 runs the helper once per start (SetAllLabel reloads only when restoring from ' +
    'a file, security_apparmor.c). Within that order, fitted to S1 - S2 = 10 s: each start takes S five times (GenLabel, ' +
    'PreFork, SetAllLabel, SetDaemonSocketLabel, ClearSocketLabel), so the AppArmor load is paid in a FIFO convoy'),
  aaReloadProfile: c(200, 0.2, true, 'S: kvm-vmi#69 audit log, profile_replace every 160-200 ms (virt-aa-helper -r / -F)'),
  aaRemoveProfile: c(150, 0.2, true, 'S/A: kvm-vmi#69, removal ~0.25 s after a failed start, less the rest of the stop'),
  dacChown: c(4, 0.3, false, 'A: chown of 3 files (disk + 2 backing images), each with a header probe'),
  dacRestore: c(3, 0.3, false, 'A: chown back of the top image, chardevs, kernel/initrd'),
  dacFork: c(5, 0.3, true, 'S/A: 9.x runs DAC transactions in a fork of the daemon; a2f0b97ab7 calls them a bottleneck; 1-10 ms assumed'),
  dacGroupList: c(1, 0.3, false, 'A: getgrouplist (NSS) in DAC PreFork, 9.x'),
  selinuxGenLabel: c(2, 0.3, false, 'A: MCS pick, checked against the other domains'),
  selinuxSetFiles: c(4, 0.3, false, 'A: setfilecon on the same files DAC chowns'),
  selinuxRestoreFiles: c(60, 0.3, true, 'A: matchpathcon loads file_contexts, then setfilecon'),
  labelNoop: c(0.01, 0, false, 'A: a security call that only formats strings'),
  virtlogd: c(2, 0.3, false, 'A: 9.x opens the log through virtlogd RPC'),
  rpcDispatch: c(0.02, 0.3, false, 'S: traced here (libvirtd 9.0.0): a worker takes 10-25 us from picking up a call to the driver\'s first lock (decode, ACL check, dispatch)'),
  rpcReply: c(0.1, 0.3, false,
    'S: traced here (libvirtd 9.0.0): encoding the reply and writing it to the client\'s socket (virNetServerClient, virNetSocket) ' +
    'then freeing the message take 80-125 us after the driver\'s last unlock'),
};

/** This machine (Debian 12, libvirt 9.0, QEMU 7.2 under TCG, 2 cores), for comparing with the
 * real daemon traced by packages/tracer (real-libvirtd.md). */
const THIS_MACHINE: CostTable = {
  ...HOST_2013,
  forkExec: c(37, 0.3, true, 'S: traced here (lockscope trace, 5 concurrent lifecycles): virCommandRun of the daemonised TCG QEMU took 74 ms p50; the model forks twice per start (launch, namespace), so half of it each'),
  childHook: c(30, 0.3, true, 'A: session mode, no cgroups: hook and handshake only'),
  fsyncStatus: c(2, 0.3, false, 'A: overlay/SSD fsync'),
  saveConfig: c(7, 0.3, false,
    'S: traced here: virDomainDefineXML held the domain object for the write + fsync + rename of the XML on this overlay ' +
    'filesystem: 3-34 ms, 8 ms the median of 8 runs (the fsync swings with the disk\'s other load)'),
  deleteConfig: c(0.3, 0.3, false, 'S: traced here: virDomainUndefineFlags took 0.41-0.47 ms p50 in 3 runs of 10 lifecycles, 0.3 ms of it unlinking the XML under the job'),
  qemuInit: c(80, 0.15, true, 'S: traced here (lockscope trace, 1 domain): libvirtd 9.0.0 got the answer to qmp_capabilities 81 ms after connecting (TCG QEMU initialising)'),
  qmpCpuProbe: c(100, 0.15, true,
    'S/D: traced here: the exchange reading the guest CPU\'s properties (qom-list + 398 qom-get, one nested job) took 315-627 ms ' +
    'with 1 domain (3 runs; 676 ms in an earlier one), yet 10 concurrent starts on 2 cores took 1.3-1.6 s each (p50 of 3 runs): ' +
    'the ~400 round trips between libvirtd and QEMU mostly wait for each other. This entry is their computing, ~20 %: ' +
    '10 x (100 ms + the start\'s forks and QEMU init) on 2 CPUs is what those 1.3-1.6 s leave room for'),
  qmpCpuProbeWait: c(370, 0.15, false, 'S/D: the rest of the CPU-property exchange (see qmpCpuProbe): the two processes waking each other, ~400 times'),
  qemuExitAfterTerm: c(1450, 0.2, false, 'S: traced here: qemuProcessKill of a TCG QEMU took 1.6 s (p90 of 15 calls, 5 concurrent lifecycles), i.e. exit after ~1.45 s then the next 200 ms poll'),
  qmpRoundTrip: c(0.5, 0.5, false, 'A: local QMP exchange'),
  stopCleanup: c(10, 0.3, false, 'A: no cgroups in session mode'),
};

export const COST_TABLES: Record<CostProfile, CostTable> = {
  'host-2013': HOST_2013,
  'this-machine': THIS_MACHINE,
};

/** Draws durations from a table with seeded jitter. */
export class Costs {
  /** Median durations in ms that replace the table's (user knobs); jitter stays the table's. */
  overrides: Partial<Record<CostName, number>> = {};

  constructor(
    public table: CostTable,
    private readonly rng: Rng,
  ) {}

  /** A duration in ns, jittered. */
  ns(name: CostName): number {
    const e = this.table[name];
    const ms = this.overrides[name] ?? e.ms;
    const f = e.jitter === 0 ? 1 : 1 + e.jitter * (2 * this.rng.next() - 1);
    return Math.round(ms * f * 1e6);
  }

  cpu(name: CostName): boolean {
    return this.table[name].cpu;
  }
}
