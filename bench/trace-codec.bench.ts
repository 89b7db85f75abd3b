// Binary trace codec: encode + decode throughput (events/s) and size (bytes/event) of a large
// simulator trace, each beside NDJSON measured in the same run as the baseline.
import { decodeBinaryTrace, encodeTrace, fromNdjson, mulberry32, randomValidTrace, toNdjson, validateTrace, type Trace } from '@lockscope/trace';
import { median, percentile, type Bench, type BenchResult } from './types.js';

async function realisticTrace(quick: boolean): Promise<{ trace: Trace; source: string }> {
  try {
    const sim = await import('@lockscope/sim');
    const params = quick ? { domains: 300, durationS: 120 } : { domains: 1000, durationS: 600 };
    const run = sim.createSimulation(sim.resolveConfig({ scenario: 'fleet', params }));
    run.runToEnd();
    return { trace: run.trace, source: `sim fleet ${params.domains} domains ${params.durationS} s` };
  } catch (e) {
    // The simulator is optional here: fall back to a generated trace of the same order of size.
    const trace = randomValidTrace(mulberry32(1), { events: quick ? 100_000 : 1_000_000, threads: 40, locks: 300, maxStep: 200_000 });
    return { trace, source: `randomValidTrace (simulator unavailable: ${(e as Error).message})` };
  }
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

const bench: Bench = async ({ quick }) => {
  const { trace, source } = await realisticTrace(quick);
  const n = trace.length;
  const valid = validateTrace(trace);
  const reps = quick ? 3 : 7;

  let binary = encodeTrace(trace);
  let text = toNdjson(trace);
  const binEnc: number[] = [];
  const binDec: number[] = [];
  const ndEnc: number[] = [];
  const ndDec: number[] = [];
  for (let r = 0; r < reps; r++) {
    binEnc.push(n / (time(() => (binary = encodeTrace(trace))) / 1000));
    binDec.push(n / (time(() => decodeBinaryTrace(binary)) / 1000));
    ndEnc.push(n / (time(() => (text = toNdjson(trace))) / 1000));
    ndDec.push(n / (time(() => fromNdjson(text)) / 1000));
  }
  const back = decodeBinaryTrace(binary);
  const roundTrip = back.length === n && back.time[n - 1] === Math.round(trace.time[n - 1]);
  const ndBytes = new TextEncoder().encode(text).length;
  const extra = { events: n, trace: source, 'validator on the trace': valid.ok ? 'ok' : `FAILED at ${valid.index}: ${valid.reason}`, 'round trip': roundTrip ? 'ok' : 'MISMATCH' };

  const results: BenchResult[] = [
    { name: 'binary encode', unit: 'events/s', median: median(binEnc), p95: percentile(binEnc, 5), baseline: { name: 'NDJSON encode', median: median(ndEnc) }, floor: { op: '>=', value: 1e6 }, extra },
    { name: 'binary decode', unit: 'events/s', median: median(binDec), p95: percentile(binDec, 5), baseline: { name: 'NDJSON decode', median: median(ndDec) }, floor: { op: '>=', value: 1e6 } },
    {
      name: 'binary size',
      unit: 'bytes/event',
      median: binary.length / n,
      baseline: { name: 'NDJSON size', median: ndBytes / n },
      floor: { op: '<=', value: 16 },
      extra: { 'binary bytes': binary.length, 'NDJSON bytes': ndBytes, 'columns in memory (bytes/event)': back.columnBytes / back.length },
    },
  ];
  return results;
};

export default bench;
