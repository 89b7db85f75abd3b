// The API calls, one generator each, following the QEMU driver's code path for 1.0.5 and 9.x
// (libvirt-locking.md §2.2). Each runs on an RPC worker inside an `api` span opened by the pool.
import { Mode } from '@lockscope/trace';
import { lock, lockEach, unlock, work, type Gen } from '../engine.js';
import type { CallRequest } from '../rpc-pool.js';
import type { Daemon, Domain } from '../daemon.js';
import { processKill, processStart, processStop } from './process.js';

export const API_NAMES = [
  'virDomainCreateXML',
  'virDomainDefineXML',
  'virDomainCreate',
  'virDomainCreateWithFlags',
  'virDomainDestroy',
  'virDomainUndefine',
  'virDomainLookupByName',
  'virConnectListAllDomains',
  'virDomainGetInfo',
] as const;
export type ApiName = (typeof API_NAMES)[number];

/** `@priority: high` in remote_protocol.x: may also run on the priority workers. */
const HIGH_PRIORITY: ReadonlySet<ApiName> = new Set<ApiName>([
  'virDomainDefineXML',
  'virDomainDestroy',
  'virDomainUndefine',
  'virDomainLookupByName',
  'virConnectListAllDomains',
]);

const OK = 1;
const FAILED = 0;

function request(api: ApiName, subject: string | undefined, run: () => Gen<number>): CallRequest {
  return { api, subject, prio: HIGH_PRIORITY.has(api), run, connection: null, client: null, result: 0, queued: false };
}

/** virDomainCreateXML: a transient domain, defined and started in one call. */
export function createXML(d: Daemon, name: string): CallRequest {
  return request('virDomainCreateXML', name, function* (): Gen<number> {
    yield* d.phase('parseXML', 'virDomainDefParseString');
    const vm = yield* d.listAdd(name, false);
    if (vm === null) return FAILED;
    // 9.x: qemuProcessBeginJob, the async START job.
    const job = d.modern ? 'async-start' : 'modify';
    if (!(yield* d.beginJob(vm, job))) {
      yield* d.endAPI(vm);
      return FAILED;
    }
    const ok = yield* processStart(d, vm);
    yield* d.endJob(vm, job);
    if (!ok && !vm.removed) yield* d.listRemove(vm);
    yield* d.endAPI(vm);
    return ok ? OK : FAILED;
  });
}

/** virDomainDefineXML: parse, add to the list (the name check), save the config. */
export function defineXML(d: Daemon, name: string): CallRequest {
  return request('virDomainDefineXML', name, function* (): Gen<number> {
    yield* d.phase('parseXML', 'virDomainDefParseString');
    const vm = yield* d.listAdd(name, true);
    if (vm === null) return FAILED;
    yield* d.phase('saveConfig', 'virDomainSaveConfig: write + fsync + rename');
    yield* d.endAPI(vm);
    return OK;
  });
}

/** virDomainCreate: start a defined domain. */
export function create(d: Daemon, vm: Domain): CallRequest {
  return start(d, vm, 'virDomainCreate');
}

/** virDomainCreateWithFlags (flags 0): the same driver entry point, qemuDomainCreateWithFlags;
 * the call OpenStack's compute driver makes after virDomainDefineXML. */
export function createWithFlags(d: Daemon, vm: Domain): CallRequest {
  return start(d, vm, 'virDomainCreateWithFlags');
}

function start(d: Daemon, vm: Domain, api: ApiName): CallRequest {
  return request(api, vm.name, function* (): Gen<number> {
    if (!(yield* d.findByUUID(vm))) return FAILED;
    const job = d.modern ? 'async-start' : 'modify';
    if (vm.active || !(yield* d.beginJob(vm, job))) {
      yield* d.endAPI(vm);
      return FAILED;
    }
    const ok = yield* processStart(d, vm);
    yield* d.endJob(vm, job);
    yield* d.endAPI(vm);
    return ok ? OK : FAILED;
  });
}

/** virDomainDestroy: kill under L_vm before any job, then the DESTROY job and qemuProcessStop.
 * 9.x (qemuProcessBeginStopJob): the DESTROY job is allowed during an async START, so a destroy
 * only waits for the start's current monitor exchange, and the start then fails. */
export function destroy(d: Daemon, vm: Domain): CallRequest {
  return request('virDomainDestroy', vm.name, function* (): Gen<number> {
    if (!(yield* d.findByUUID(vm))) return FAILED;
    if (!vm.active) {
      yield* d.endAPI(vm);
      return FAILED;
    }
    vm.beingDestroyed = true;
    yield* processKill(d, vm);
    if (!(yield* d.beginJob(vm, 'destroy'))) {
      vm.beingDestroyed = false;
      yield* d.endAPI(vm);
      return FAILED;
    }
    // "domain is not running": stopped while this call waited for its job (9.x: by the start it
    // interrupted, whose next monitor command failed).
    if (!vm.active) {
      vm.beingDestroyed = false;
      yield* d.endJob(vm, 'destroy');
      yield* d.endAPI(vm);
      return FAILED;
    }
    yield* processStop(d, vm);
    vm.beingDestroyed = false;
    yield* d.endJob(vm, 'destroy');
    if (!vm.persistent) yield* d.listRemove(vm);
    yield* d.endAPI(vm);
    return OK;
  });
}

/** virDomainUndefine: delete the config; remove from the list if inactive (9.x inside a job). */
export function undefine(d: Daemon, vm: Domain): CallRequest {
  return request('virDomainUndefine', vm.name, function* (): Gen<number> {
    if (!(yield* d.findByUUID(vm))) return FAILED;
    const modern = d.modern;
    if (modern && !(yield* d.beginJob(vm, 'modify'))) {
      yield* d.endAPI(vm);
      return FAILED;
    }
    yield* d.phase('deleteConfig', 'virDomainDeleteConfig: unlink');
    vm.persistent = false;
    if (!vm.active) yield* d.listRemove(vm);
    if (modern) yield* d.endJob(vm);
    yield* d.endAPI(vm);
    return OK;
  });
}

/** virDomainLookupByName: the name lookup (a scan in 1.0.5), target locked under the list lock. */
export function lookupByName(d: Daemon, name: string): CallRequest {
  return request('virDomainLookupByName', name, function* (): Gen<number> {
    const vm = yield* d.findByName(name);
    if (vm === null) return FAILED;
    yield* d.endAPI(vm);
    return OK;
  });
}

/** virConnectListAllDomains: 1.0.5 locks every domain under the list lock; 9.x (v1.2.16+)
 * collects references under the list lock and locks each domain after releasing it. */
export function listAllDomains(d: Daemon): CallRequest {
  return request('virConnectListAllDomains', undefined, function* (): Gen<number> {
    const l = d.listLock();
    yield lock(l, Mode.Shared);
    if (!d.modern) {
      // virDomainObjListExport: virHashForEach(virDomainListPopulate) locks each domain.
      yield lockEach(d.domainLocks);
      yield unlock(l);
      return OK;
    }
    // virDomainObjListCollect: reference every domain, release the list, then lock each.
    const refs = d.domainLocks.slice();
    yield unlock(l);
    yield lockEach(refs);
    return OK;
  });
}

/** virDomainGetInfo: /proc read under L_vm (no job: QEMU has the balloon event). */
export function getInfo(d: Daemon, vm: Domain): CallRequest {
  return request('virDomainGetInfo', vm.name, function* (): Gen<number> {
    if (!(yield* d.findByUUID(vm))) return FAILED;
    if (vm.active) yield work(d.costs.ns('procStat'), 'read /proc/<pid>/stat');
    yield* d.endAPI(vm);
    return OK;
  });
}
