// The preload recorder's cost to libvirtd: the daemon's CPU time (user + system, all threads)
// during N concurrent lifecycles, with and without the library, runs interleaved, medians.
import { checkPrerequisites, traceWorkload } from '@lockscope/tracer';
import { median, type Bench, type BenchResult } from './types.js';

const bench: Bench = async ({ quick }) => {
  const pre = checkPrerequisites();
  if (!pre.ok) {
    console.log(`tracer-overhead: skipped, ${pre.missing.join('; ')}`);
    return [];
  }
  const domains = quick ? 5 : 10;
  const runs = quick ? 1 : 3;
  const traced: number[] = [];
  const plain: number[] = [];
  const tracedWall: number[] = [];
  const plainWall: number[] = [];
  let events = 0;
  for (let i = 0; i < runs; i++) {
    const without = await traceWorkload({ workload: 'lifecycle', params: { domains }, library: null });
    plain.push(without.workloadCpuMs);
    plainWall.push(without.workloadMs);
    const withLib = await traceWorkload({ workload: 'lifecycle', params: { domains } });
    traced.push(withLib.workloadCpuMs);
    tracedWall.push(withLib.workloadMs);
    events = withLib.trace?.length ?? 0;
    const failed = [...without.clients, ...withLib.clients].filter((c) => c.exitCode !== 0).length;
    if (failed > 0) console.log(`tracer-overhead: ${failed} virsh client(s) failed in run ${i + 1}`);
  }
  const base = median(plain);
  const withLib = median(traced);
  const results: BenchResult[] = [
    {
      name: `libvirtd CPU during ${domains} concurrent lifecycles, with the recorder`,
      unit: 'ms',
      median: withLib,
      baseline: { name: 'without the recorder', median: base },
      floor: { op: '<=', value: Math.round(base * 1.1) },
      extra: { runs, 'runs with (ms)': traced.join(', '), 'runs without (ms)': plain.join(', '), 'events per traced run': events },
    },
    {
      name: 'recorder overhead on daemon CPU',
      unit: '%',
      median: Math.round((withLib / base - 1) * 1000) / 10,
      floor: { op: '<=', value: 10 },
    },
    {
      name: `workload wall time, ${domains} concurrent lifecycles, with the recorder`,
      unit: 'ms',
      median: Math.round(median(tracedWall)),
      baseline: { name: 'without the recorder', median: Math.round(median(plainWall)) },
    },
  ];
  return results;
};

export default bench;
