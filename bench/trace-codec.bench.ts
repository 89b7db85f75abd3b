// Binary trace codec: encode + decode throughput (events/s) and size (bytes/event) of a large
// simulator trace, each beside NDJSON measured in the same run as the baseline.
import { decodeBinaryTrace, encodeTrace, fromNdjson, toNdjson, validateTrace } from '@lockscope/trace';
import { fleetTrace, rate } from './fleet-trace.js';
import { median, percentile, type Bench, type BenchResult } from './types.js';

const bench: Bench = async ({ quick }) => {
  const { trace, source } = await fleetTrace(quick);
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
    binEnc.push(rate(n, () => (binary = encodeTrace(trace))));
    binDec.push(rate(n, () => decodeBinaryTrace(binary)));
    ndEnc.push(rate(n, () => (text = toNdjson(trace))));
    ndDec.push(rate(n, () => fromNdjson(text)));
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
