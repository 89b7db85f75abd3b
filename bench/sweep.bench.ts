// A scalability sweep of `create-storm`, 3 presets x 5 sizes, on worker threads across the
// machine's cores (what `lockscope sweep` does), beside the same 15 points run one after another
// on one worker thread (started cold, like a fresh `lockscope sweep --jobs 1`): the ratio is the
// sweep's speed-up. Also printed: the same points in this (warm) thread, and the CPU time of
// each, which says how many cores the machine really gave the process.
import { availableParallelism } from 'node:os';
import { runPoints, sweepConfigs } from '@lockscope/cli';
import { median, type Bench } from './types.js';

const bench: Bench = async ({ quick }) => {
  const runs = quick ? 1 : 3;
  const { configs } = sweepConfigs({
    scenario: 'create-storm',
    params: { domains: quick ? [20, 40, 60, 80, 100] : [100, 200, 400, 700, 1000] },
    presets: ['libvirt-2013', 'feiner-both', 'libvirt-9.0'],
    seed: 1,
  });
  const cores = availableParallelism();
  // warm-up of the inline path (the workers start cold each run, as a user's sweep does)
  await runPoints(configs.slice(0, 3), { workers: 0 });
  const parallel: number[] = [];
  const sequential: number[] = [];
  const inline: number[] = [];
  // CPU time of the whole process (every thread): if the parallel run's wall time does not drop
  // while its CPU time stays near the sequential one, the machine gave the process fewer cores.
  const cpuParallel: number[] = [];
  const cpuSequential: number[] = [];
  const cpuMs = (u: NodeJS.CpuUsage): number => (u.user + u.system) / 1e3;
  for (let r = 0; r < runs; r++) {
    let c0 = process.cpuUsage();
    let t0 = performance.now();
    await runPoints(configs, { workers: cores });
    parallel.push(performance.now() - t0);
    cpuParallel.push(cpuMs(process.cpuUsage(c0)));
    c0 = process.cpuUsage();
    t0 = performance.now();
    await runPoints(configs, { workers: 1 });
    sequential.push(performance.now() - t0);
    cpuSequential.push(cpuMs(process.cpuUsage(c0)));
    t0 = performance.now();
    await runPoints(configs, { workers: 0 });
    inline.push(performance.now() - t0);
  }
  return [
    {
      name: `sweep create-storm 3 presets x 5 sizes on ${cores} worker threads`,
      unit: 'ms',
      median: median(parallel),
      baseline: { name: 'the same 15 points one after another on one worker thread', median: median(sequential) },
      extra: {
        points: configs.length,
        cores,
        runs,
        speedUp: median(sequential) / median(parallel),
        cpuMsParallel: median(cpuParallel),
        cpuMsSequential: median(cpuSequential),
        inlineWarmMs: median(inline),
        coresUsedParallel: median(cpuParallel) / median(parallel),
      },
    },
  ];
};

export default bench;
