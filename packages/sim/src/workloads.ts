// Workloads are data: which clients issue which calls, and when. Each client is a process on a
// client thread; its calls go through the daemon's RPC worker pool.
import { sleep, type Gen } from './engine.js';
import { call, MAX_CLIENT_REQUESTS } from './rpc-pool.js';
import type { Daemon, Domain } from './daemon.js';
import { createXML, create, createWithFlags, defineXML, destroy, getInfo, listAllDomains, lookupByName, undefine } from './driver/api.js';

export interface ParamInfo {
  name: string;
  description: string;
  type: 'int';
  default: number;
  min: number;
  max: number;
}

export interface ScenarioInfo {
  name: string;
  description: string;
  params: ParamInfo[];
}

/** The storm's variant: 0, each client defines its domain then starts it (virDomainCreateWithFlags,
 * as OpenStack's compute driver does, the 2013 report's test); 1, one virDomainCreateXML each. */
const createXMLParam: ParamInfo = {
  name: 'createXML',
  description: '0: each client defines its domain, then starts it with virDomainCreateWithFlags (the 2013 test); 1: one virDomainCreateXML per client',
  type: 'int',
  default: 0,
  min: 0,
  max: 1,
};

/** The storm's clients: the threads of one compute service sharing its connection, or separate
 * clients with a connection each. */
const sharedConnectionParam: ParamInfo = {
  name: 'sharedConnection',
  description:
    '1: every client shares one connection, as the threads of OpenStack\'s nova-compute share its libvirt connection ' +
    '(libvirtd reads at most max_client_requests = 5 of its calls at a time); 0: one connection per client',
  type: 'int',
  default: 1,
  min: 0,
  max: 1,
};

const domainsParam = (def: number, max: number, what: string): ParamInfo => ({
  name: 'domains',
  description: what,
  type: 'int',
  default: def,
  min: 1,
  max,
});

export const scenarios: ScenarioInfo[] = [
  {
    name: 'create-storm',
    description:
      'N clients each create a guest at once: virDomainDefineXML, then virDomainCreateWithFlags (the 2013 report: 20 VMs, 35 s with AppArmor, 25 s without)',
    params: [
      domainsParam(20, 1000, 'concurrent creations'),
      { name: 'spreadMs', description: 'the creations start spread over this many ms', type: 'int', default: 10, min: 0, max: 60000 },
      createXMLParam,
      sharedConnectionParam,
    ],
  },
  {
    name: 'define-during-storm',
    description: 'the creation storm plus a client that calls virDomainDefineXML every probeIntervalMs while it runs (the report: seconds, then tens of ms with the name copy)',
    params: [
      domainsParam(20, 1000, 'concurrent creations'),
      { name: 'probeIntervalMs', description: 'pause between two DefineXML probes', type: 'int', default: 500, min: 10, max: 60000 },
      { name: 'spreadMs', description: 'the creations start spread over this many ms', type: 'int', default: 10, min: 0, max: 60000 },
      createXMLParam,
      sharedConnectionParam,
    ],
  },
  {
    name: 'lifecycle',
    description: 'N clients each run define, start, get info, destroy, undefine on their own domain',
    params: [domainsParam(10, 500, 'concurrent lifecycles')],
  },
  {
    name: 'fleet',
    description:
      'M running domains; a compute agent lists all domains and gets each one\'s info every pollIntervalS; tenants create and destroy domains at random; runs for durationS',
    params: [
      domainsParam(100, 5000, 'running domains at the start'),
      { name: 'durationS', description: 'simulated seconds before clients stop issuing calls', type: 'int', default: 300, min: 1, max: 86400 },
      { name: 'pollIntervalS', description: 'seconds between two polling rounds of the compute agent', type: 'int', default: 10, min: 1, max: 3600 },
      { name: 'churnPerMin', description: 'creations + destructions per simulated minute', type: 'int', default: 6, min: 0, max: 600 },
      {
        name: 'lookupByName',
        description: '1: the agent looks each domain up by name before getting its info (as OpenStack Nova\'s libvirt driver of 2013 did); 0: it uses the listed handles',
        type: 'int',
        default: 0,
        min: 0,
        max: 1,
      },
    ],
  },
];

const MS = 1e6;
const S = 1e9;

function names(prefix: string, n: number): string[] {
  const width = Math.max(2, String(n).length);
  return Array.from({ length: n }, (_, i) => `${prefix}${String(i + 1).padStart(width, '0')}`);
}

function clientThread(d: Daemon, name: string): number {
  return d.trace.addThread(name, 'client');
}

/** Starts the workload's clients on the daemon at time 0. */
export function startWorkload(d: Daemon, scenario: string, params: Record<string, number>): void {
  switch (scenario) {
    case 'create-storm':
      storm(d, params.domains, params.spreadMs, params.createXML === 1, params.sharedConnection === 1);
      return;
    case 'define-during-storm': {
      // The guests are defined before the probes begin, so that every DefineXML is a probe.
      const creations = storm(d, params.domains, params.spreadMs, params.createXML === 1, params.sharedConnection === 1, true);
      probes(d, params.probeIntervalMs * MS, () => creations.remaining > 0);
      return;
    }
    case 'lifecycle':
      lifecycle(d, params.domains);
      return;
    case 'fleet':
      fleet(d, params.domains, params.durationS * S, params.pollIntervalS * S, params.churnPerMin, params.lookupByName === 1);
      return;
    default:
      throw new Error(`unknown scenario ${scenario}`);
  }
}

/** N clients creating a guest each: define then start (or one CreateXML), started within spreadMs. */
function storm(d: Daemon, n: number, spreadMs: number, oneCall: boolean, shared: boolean, predefined = false): { remaining: number } {
  const state = { remaining: n };
  const service = shared ? d.rpc.newConnection('compute service') : null;
  names('vm-', n).forEach((name, i) => {
    if (predefined && !oneCall) d.insert(d.newDomain(name, true));
    const t = clientThread(d, `client-${String(i + 1).padStart(2, '0')}`);
    const delay = d.rng.uniform(0, spreadMs * MS);
    d.engine.spawn(t, (function* creator(): Gen {
      yield sleep(delay);
      if (oneCall) yield call(createXML(d, name), service);
      else if (predefined || (yield call(defineXML(d, name), service)) === 1) yield call(createWithFlags(d, d.find(name) as Domain), service);
      state.remaining--;
    })());
  });
  return state;
}

/**
 * A DefineXML probe every `intervalNs` while `running()`, each on a free probe connection thread;
 * at most MAX_CLIENT_REQUESTS probes are in flight (libvirtd's max_client_requests), so a slow
 * daemon skips probes instead of piling them up.
 */
function probes(d: Daemon, intervalNs: number, running: () => boolean): void {
  const threads: { id: number; busy: boolean }[] = [];
  let k = 0;
  const tick = (): void => {
    if (!running()) return;
    let t = threads.find((x) => !x.busy);
    if (t === undefined && threads.length < MAX_CLIENT_REQUESTS) {
      t = { id: clientThread(d, `probe client ${threads.length + 1}`), busy: false };
      threads.push(t);
    }
    if (t !== undefined) {
      const thread = t;
      thread.busy = true;
      const name = `probe-${String(++k).padStart(3, '0')}`;
      d.engine.spawn(thread.id, (function* probe(): Gen {
        yield call(defineXML(d, name));
        thread.busy = false;
      })());
    }
    d.engine.callAt(d.now + intervalNs, tick);
  };
  d.engine.callAt(intervalNs, tick);
}

function lifecycle(d: Daemon, n: number): void {
  names('vm-', n).forEach((name, i) => {
    const t = clientThread(d, `client-${String(i + 1).padStart(2, '0')}`);
    const delay = d.rng.uniform(0, 10 * MS);
    d.engine.spawn(t, (function* cycle(): Gen {
      yield sleep(delay);
      if ((yield call(defineXML(d, name))) === 0) return;
      const vm = d.find(name) as Domain;
      if ((yield call(create(d, vm))) === 1) {
        yield call(getInfo(d, vm));
        yield call(destroy(d, vm));
      }
      yield call(undefine(d, vm));
    })());
  });
}

function fleet(d: Daemon, n: number, durationNs: number, pollNs: number, churnPerMin: number, lookup: boolean): void {
  // The fleet is already running when the trace starts: no events for its creation.
  for (const name of names('vm-', n)) {
    const vm = d.newDomain(name, true);
    vm.active = true;
    d.insert(vm);
  }
  const agent = clientThread(d, 'compute agent');
  d.engine.spawn(agent, (function* poller(): Gen {
    while (d.now < durationNs) {
      const start = d.now;
      yield call(listAllDomains(d));
      const snapshot = d.domains.slice();
      for (const vm of snapshot) {
        if (!vm.active || vm.removed) continue;
        if (lookup && (yield call(lookupByName(d, vm.name))) === 0) continue;
        yield call(getInfo(d, vm));
      }
      const next = start + pollNs;
      if (next > d.now) yield sleep(next - d.now);
    }
  })());
  if (churnPerMin <= 0) return;
  const tenants = 4;
  const meanGapNs = ((60 * S) / churnPerMin) * tenants;
  let created = 0;
  for (let i = 1; i <= tenants; i++) {
    const t = clientThread(d, `tenant-${i}`);
    d.engine.spawn(t, (function* tenant(): Gen {
      for (;;) {
        yield sleep(d.rng.exponential(meanGapNs));
        if (d.now >= durationNs) return;
        if (d.rng.next() < 0.5) {
          const name = `new-${String(++created).padStart(4, '0')}`;
          if ((yield call(defineXML(d, name))) === 0) continue;
          const vm = d.find(name) as Domain;
          vm.busy = true;
          yield call(create(d, vm));
          vm.busy = false;
        } else {
          const candidates = d.domains.filter((vm) => vm.active && !vm.busy);
          if (candidates.length === 0) continue;
          const vm = candidates[d.rng.int(candidates.length)];
          vm.busy = true;
          yield call(destroy(d, vm));
          yield call(undefine(d, vm));
          vm.busy = false;
        }
      }
    })());
  }
}
