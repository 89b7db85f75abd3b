// A scalability sweep of `create-storm`, 3 presets x 5 sizes, on worker threads across the
// machine's cores (what `lockscope sweep` does), beside the same 15 points run one after another
// in one thread: the ratio is the sweep's speed-up.
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
  for (let r = 0; r < runs; r++) {
    let t0 = performance.now();
    await runPoints(configs, { workers: cores });
    parallel.push(performance.now() - t0);
    t0 = performance.now();
    await runPoints(configs, { workers: 0 });
    sequential.push(performance.now() - t0);
  }
  return [
    {
      name: `sweep create-storm 3 presets x 5 sizes on ${cores} worker threads`,
      unit: 'ms',
      median: median(parallel),
      baseline: { name: 'the same 15 points one after another in one thread', median: median(sequential) },
      extra: { points: configs.length, cores, runs, speedUp: median(sequential) / median(parallel) },
    },
  ];
};

export default bench;
