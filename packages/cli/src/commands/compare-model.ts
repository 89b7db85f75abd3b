// `lockscope compare-model`: runs a workload on the real libvirtd (traced) and in the simulator,
// and prints per API call the lock sequence of each, where they differ, and wait/hold times.
import { createSimulation, resolveConfig } from '@lockscope/sim';
import {
  TRACED_WORKLOADS,
  checkPrerequisites,
  compareTraces,
  formatComparison,
  formatRepeated,
  repeatedLatencies,
  traceWorkload,
  type Comparison,
  type TracedWorkload,
} from '@lockscope/tracer';
import { parseOptions, parsePairs, tracedParam } from '../args.js';
import { UsageError } from '../errors.js';
import { say, sayFailedClients, sayMissing } from '../report.js';

export const usage =
  'compare-model --workload lifecycle|create-storm|define-during-storm [--param domains=N] [--param probeIntervalMs=MS] [--preset NAME] [--set knob=value ...] [--seed N] [--repeat N] [--json]';

/** The model's settings for this machine: session-mode daemon (no DAC, security driver "none"), 2 CPUs, TCG costs. */
const THIS_MACHINE_KNOBS: Record<string, string> = { costs: 'this-machine', 'security.drivers': 'none', 'host.cpus': '2' };

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions(argv, {
    workload: { type: 'string' },
    param: { type: 'string', multiple: true, default: [] },
    preset: { type: 'string', default: 'libvirt-9.0' },
    set: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    // The daemon's times swing from run to run on a shared machine: compare the model with the
    // median of several runs.
    repeat: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  });
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 9) throw new UsageError(`--repeat must be an integer from 1 to 9, got '${values.repeat}'`);
  const workload = values.workload ?? 'lifecycle';
  if (!(TRACED_WORKLOADS as readonly string[]).includes(workload)) throw new UsageError(`--workload must be one of ${TRACED_WORKLOADS.join(', ')}, got '${workload}'`);
  const params = parsePairs(values.param, 'param');
  for (const k of Object.keys(params)) if (k !== 'domains' && k !== 'probeIntervalMs') throw new UsageError(`unknown parameter '${k}' (known: domains, probeIntervalMs)`);
  if (params.domains !== undefined) tracedParam('domains', params.domains);
  // The model first: a bad knob is reported before a daemon is started.
  const config = resolveConfig({
    scenario: workload,
    preset: values.preset,
    set: { ...THIS_MACHINE_KNOBS, ...parsePairs(values.set, 'set') },
    // The simulator checks every parameter against its scenario (and names the bad one). Each
    // virsh client has a connection of its own, and its storm defines, then starts.
    params: workload === 'lifecycle' ? params : { sharedConnection: 0, ...params },
    seed: values.seed,
  });
  const pre = checkPrerequisites();
  if (!pre.ok) {
    sayMissing(pre.missing);
    return 1;
  }
  const sim = createSimulation(config);
  sim.runToEnd();
  const runs: Comparison[] = [];
  let failed = 0;
  let daemon = '';
  for (let i = 0; i < repeat; i++) {
    if (repeat > 1) say(`run ${i + 1} of ${repeat}`);
    const traced = await traceWorkload({
      workload: workload as TracedWorkload,
      params: { domains: config.params.domains, ...(config.params.probeIntervalMs !== undefined ? { probeIntervalMs: config.params.probeIntervalMs } : {}) },
      log: say,
    });
    failed += sayFailedClients(traced.clients);
    daemon = String(traced.trace!.meta.daemon ?? '');
    runs.push(compareTraces(traced.trace!, sim.trace));
  }
  const comparison = runs[runs.length - 1];
  const latencies = repeatedLatencies(runs);
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ workload, domains: config.params.domains, preset: config.preset, strategy: config.strategy, comparison, runs: latencies }, null, 2)}\n`);
  } else {
    const header = [
      `workload ${workload}, ${config.params.domains} domains: libvirtd ${daemon} (traced) vs the model (preset ${config.preset}, ${Object.entries(THIS_MACHINE_KNOBS).map(([k, v]) => `${k}=${v}`).join(', ')})`,
      `sequences: lock acquisitions of each call by lock class (list(R/W), vm = domain object, job, sec = security manager, secdrv = security driver, mon = monitor); the QEMU driver mutex and other locks are left out of sequences`,
      '',
    ];
    const labels = { daemon: 'libvirtd', model: 'model' };
    process.stdout.write(`${header.join('\n')}${formatComparison(comparison, labels)}\n\n${formatRepeated(latencies, labels)}\n`);
  }
  return failed === 0 ? 0 : 1;
}
