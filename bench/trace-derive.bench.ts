// Reading a trace: validator, derived intervals and statistics (events/s) on a simulator fleet
// trace, beside the baseline of an object model: materialising the same events as objects.
import { StatsAccumulator, TraceValidator, deriveIntervals, mulberry32, randomValidTrace, type Trace } from '@lockscope/trace';
import { median, percentile, type Bench, type BenchResult } from './types.js';

async function fleetTrace(quick: boolean): Promise<{ trace: Trace; source: string }> {
  try {
    const sim = await import('@lockscope/sim');
    const params = quick ? { domains: 300, durationS: 120 } : { domains: 1000, durationS: 600 };
    const run = sim.createSimulation(sim.resolveConfig({ scenario: 'fleet', params }));
    run.runToEnd();
    return { trace: run.trace, source: `sim fleet ${params.domains} domains ${params.durationS} s` };
  } catch (e) {
    const trace = randomValidTrace(mulberry32(1), { events: quick ? 100_000 : 1_000_000, threads: 40, locks: 300, maxStep: 200_000 });
    return { trace, source: `randomValidTrace (simulator unavailable: ${(e as Error).message})` };
  }
}

function rate(n: number, fn: () => void): number {
  const t0 = performance.now();
  fn();
  return n / ((performance.now() - t0) / 1000);
}

const bench: Bench = async ({ quick }) => {
  const { trace, source } = await fleetTrace(quick);
  const n = trace.length;
  const reps = quick ? 3 : 7;
  const runs = { objects: [] as number[], validate: [] as number[], intervals: [] as number[], stats: [] as number[] };
  let intervals = 0;
  for (let r = 0; r < reps; r++) {
    let objects: unknown[] = [];
    runs.objects.push(rate(n, () => (objects = [...trace.events()])));
    if (objects.length !== n) throw new Error('lost events');
    objects = [];
    runs.validate.push(rate(n, () => new TraceValidator().check(trace)));
    runs.intervals.push(rate(n, () => (intervals = deriveIntervals(trace).intervals.length)));
    runs.stats.push(
      rate(n, () => {
        const acc = new StatsAccumulator();
        acc.update(trace);
        acc.snapshot();
      }),
    );
  }
  const baseline = { name: 'events as an array of objects', median: median(runs.objects) };
  const result = (name: string, xs: number[]): BenchResult => ({ name, unit: 'events/s', median: median(xs), p95: percentile(xs, 5), baseline });
  return [
    { ...result('validateTrace', runs.validate), extra: { events: n, trace: source } },
    { ...result('deriveIntervals', runs.intervals), extra: { intervals } },
    result('computeStats', runs.stats),
  ];
};

export default bench;
