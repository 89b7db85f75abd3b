// Reading a trace: validator, derived intervals and statistics (events/s) on a simulator fleet
// trace, beside the baseline of an object model: materialising the same events as objects.
import { StatsAccumulator, TraceValidator, deriveIntervals } from '@lockscope/trace';
import { fleetTrace, rate } from './fleet-trace.js';
import { median, percentile, type Bench, type BenchResult } from './types.js';

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
