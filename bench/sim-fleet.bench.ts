// Simulator throughput on the `fleet` workload with 1 000 domains (trace events per second of
// wall time), beside a baseline measured in the same run: appending the same events straight to
// a Trace's typed-array columns, i.e. the cost of the trace alone.
import { loadavg } from 'node:os';
import { Trace, type EventKind } from '@lockscope/trace';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { median, type Bench, type BenchResult } from './types.js';

const bench: Bench = async ({ quick }) => {
  const runs = quick ? 2 : 5;
  const durationS = quick ? 200 : 800;
  const config = resolveConfig({
    scenario: 'fleet',
    preset: 'libvirt-2013',
    params: { domains: 1000, durationS, pollIntervalS: 10, churnPerMin: 6 },
    seed: 1,
  });
  const rates: number[] = [];
  const baseRates: number[] = [];
  let events = 0;
  let bytesPerEvent = 0;
  // Runs to warm the JIT up (generators take a while to get optimised), not counted.
  for (let w = 0; w < (quick ? 1 : 3); w++) createSimulation(config).runToEnd();
  const cpuRates: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const sim = createSimulation(config);
    sim.runToEnd();
    const dt = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    const t = sim.trace;
    events = t.length;
    bytesPerEvent = t.columnBytes / t.length;
    rates.push(events / dt);
    cpuRates.push(events / ((cpu.user + cpu.system) / 1e6));

    // Baseline: the same events appended to a fresh trace, column by column.
    const b0 = performance.now();
    const copy = new Trace(4096);
    for (let i = 0; i < events; i++) copy.push(t.time[i], t.thread[i], t.kind[i] as EventKind, t.ref[i], t.mode[i], t.arg[i]);
    copy.compact();
    baseRates.push(events / ((performance.now() - b0) / 1000));
  }
  const results: BenchResult[] = [
    {
      name: 'sim fleet 1000 domains (libvirt-2013)',
      unit: 'events/s',
      median: median(rates),
      baseline: { name: 'append the same events to a Trace', median: median(baseRates) },
      floor: { op: '>=', value: 2e6 },
      extra: { events, simulatedSeconds: durationS, runs, slowestRun: Math.min(...rates) },
    },
    {
      // The machine is shared (2 cores, other builds running): CPU time of this process is the
      // steadier measure of what the simulator itself costs. Wall time above is the headline.
      name: 'sim fleet 1000 domains, per CPU second of this process',
      unit: 'events/s',
      median: median(cpuRates),
      floor: { op: '>=', value: 2e6 },
      extra: { loadAverage1m: loadavg()[0].toFixed(2) },
    },
    {
      name: 'sim fleet trace memory',
      unit: 'bytes/event',
      median: bytesPerEvent,
      floor: { op: '<=', value: 32 },
    },
  ];
  return results;
};

export default bench;
