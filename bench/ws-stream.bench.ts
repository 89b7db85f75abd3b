// The server's WebSocket stream: events/s delivered to a client at speed "max" for a run of at
// least 2 M events and bytes per event on the wire, against NDJSON over the same socket; the
// delay from an event's simulated time to its arrival at 1x; server memory with 50 viewers.
// The client runs in its own process (bench/ws-stream.client.mjs).
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp, type LockscopeApp } from '../apps/server/src/app.js';
import { defaultConfig } from '../apps/server/src/config.js';
import type { StreamFormat } from '../apps/server/src/runs/viewer.js';
import { median, percentile, type Bench, type BenchResult } from './types.js';

const clientScript = fileURLToPath(new URL('./ws-stream.client.mjs', import.meta.url));

interface ThroughputResult {
  events: number;
  bytes: number;
  seconds: number;
}

function job<T>(child: ChildProcess, message: Record<string, unknown>): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (reply: { ok: boolean; result?: T; error?: string }) => (reply.ok ? resolve(reply.result as T) : reject(new Error(reply.error))));
    child.send(message);
  });
}

async function createRun(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`POST /api/runs: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

const MB = 1024 * 1024;
const progress = (text: string): void => void process.stderr.write(`  ws-stream: ${text}\n`);

const bench: Bench = async ({ quick }) => {
  const runEvents = 2_000_000;
  const config = {
    ...defaultConfig(),
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'lockscope-bench-')),
    logLevel: 'silent' as const,
    maxEventsPerRun: runEvents,
    maxRuns: 64,
    rateLimitPerMinute: 10_000,
    idleGraceMs: 60_000,
    retainMs: 1000,
  };
  const app: LockscopeApp = buildApp(config);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  const base = `http://127.0.0.1:${address.port}`;
  const ws = `ws://127.0.0.1:${address.port}`;
  const child = fork(clientScript, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  // A fleet that never runs out within the cap: the run ends at exactly `runEvents` events.
  const fleet = { scenario: 'fleet', preset: 'libvirt-9.0', params: { domains: 1000, durationS: 86400 }, seed: 1 };
  // For the paced measurements: the compute agent polls every second and domains churn, so the
  // run produces about 13 k events per simulated second (the default fleet is bursty: a poll every 10 s).
  const busyFleet = { ...fleet, params: { ...fleet.params, pollIntervalS: 1, churnPerMin: 60 } };
  const results: BenchResult[] = [];
  try {
    // ---- memory with 50 viewers on fleet (first, before big runs leave garbage behind) ----
    const memRun = async (n: number): Promise<{ rss: number; heap: number; external: number; events: number }> => {
      global.gc?.();
      const id = await createRun(base, { ...busyFleet, speed: 10 });
      let peak = { rss: 0, heap: 0, external: 0 };
      const sampler = setInterval(() => {
        const m = process.memoryUsage();
        peak = { rss: Math.max(peak.rss, m.rss), heap: Math.max(peak.heap, m.heapUsed), external: Math.max(peak.external, m.external) };
      }, 100);
      progress(`memory with ${n} viewers`);
      await job(child, { kind: 'viewers', url: `${ws}/api/runs/${id}/stream`, n, seconds: quick ? 4 : 8 });
      clearInterval(sampler);
      const events = app.lockscope.runs.get(id)?.events ?? 0;
      await fetch(`${base}/api/runs/${id}`, { method: 'DELETE' });
      return { ...peak, events };
    };
    const rssBefore = process.memoryUsage().rss;
    const one = await memRun(1);
    const fifty = await memRun(50);
    results.push({
      name: 'server peak RSS, 50 viewers of one fleet run (1000 domains, polled every second) at 10x',
      unit: 'MB',
      median: fifty.rss / MB,
      baseline: { name: '1 viewer', median: one.rss / MB },
      extra: {
        'peak heap used, 50 viewers (MB)': fifty.heap / MB,
        'peak heap used, 1 viewer (MB)': one.heap / MB,
        'peak external (array buffers, socket buffers), 50 viewers (MB)': fifty.external / MB,
        'peak external, 1 viewer (MB)': one.external / MB,
        'RSS before both runs (MB)': rssBefore / MB,
        'events in the run, 50 viewers': fifty.events,
        'events in the run, 1 viewer': one.events,
      },
    });

    // ---- throughput at "max", binary frames vs NDJSON over the same socket ----
    // Two cases: (a) a viewer of a run whose 2 M events the simulator has already produced, which
    // measures the stream alone; (b) a viewer watching from the start of a live run at "max",
    // which is bounded by how fast the simulator produces events on the same core.
    const reps = quick ? 1 : 3;
    const stored: Record<StreamFormat, ThroughputResult[]> = { binary: [], ndjson: [] };
    const live: Record<StreamFormat, ThroughputResult[]> = { binary: [], ndjson: [] };
    for (let r = 0; r < reps; r++) {
      for (const format of ['binary', 'ndjson'] as const) {
        const id = await createRun(base, { ...fleet, speed: 'max' });
        const res = await job<ThroughputResult>(child, { kind: 'throughput', url: `${ws}/api/runs/${id}/stream?format=${format}`, format });
        if (res.events !== runEvents) throw new Error(`${format}: received ${res.events} events, expected ${runEvents}`);
        live[format].push(res);
        progress(`live ${format} at max: ${res.events} events in ${res.seconds.toFixed(2)} s`);
        const again = await job<ThroughputResult>(child, { kind: 'throughput', url: `${ws}/api/runs/${id}/stream?format=${format}`, format });
        if (again.events !== runEvents) throw new Error(`${format}: received ${again.events} events, expected ${runEvents}`);
        stored[format].push(again);
        progress(`produced ${format}: ${again.events} events in ${again.seconds.toFixed(2)} s`);
        await fetch(`${base}/api/runs/${id}`, { method: 'DELETE' });
      }
    }
    const rate = (xs: ThroughputResult[]) => median(xs.map((x) => x.events / x.seconds));
    const perEvent = (xs: ThroughputResult[]) => median(xs.map((x) => x.bytes / x.events));
    results.push({
      name: `ws stream of a ${runEvents / 1e6} M-event fleet run (1000 domains) at speed max, events already produced, decoded by the client`,
      unit: 'events/s',
      median: rate(stored.binary),
      baseline: { name: 'NDJSON over the same socket', median: rate(stored.ndjson) },
      floor: { op: '>=', value: 2e6 },
      extra: { repetitions: reps, 'seconds (median)': median(stored.binary.map((x) => x.seconds)) },
    });
    results.push({
      name: `ws stream of a live ${runEvents / 1e6} M-event fleet run at speed max, watched from its start (simulator on the same core)`,
      unit: 'events/s',
      median: rate(live.binary),
      baseline: { name: 'NDJSON over the same socket', median: rate(live.ndjson) },
      floor: { op: '>=', value: 2e6 },
      extra: { 'seconds (median)': median(live.binary.map((x) => x.seconds)) },
    });
    results.push({
      name: 'ws stream bytes on the wire per event',
      unit: 'bytes/event',
      median: perEvent(stored.binary),
      baseline: { name: 'NDJSON over the same socket', median: perEvent(stored.ndjson) },
      floor: { op: '<=', value: 16 },
    });

    // ---- 1x: simulated time -> arrival ----
    const seconds = quick ? 4 : 10;
    const lat: Record<StreamFormat, { p50: number; p95: number; events: number }> = { binary: { p50: 0, p95: 0, events: 0 }, ndjson: { p50: 0, p95: 0, events: 0 } };
    for (const format of ['binary'] as const) {
      const id = await createRun(base, { ...busyFleet, speed: 1 });
      const res = await job<{ delays: number[]; events: number }>(child, { kind: 'latency', url: `${ws}/api/runs/${id}/stream?format=${format}`, seconds });
      await fetch(`${base}/api/runs/${id}`, { method: 'DELETE' });
      if (res.delays.length === 0) throw new Error('no event arrived at 1x');
      lat[format] = { p50: median(res.delays), p95: percentile(res.delays, 95), events: res.delays.length };
      progress(`1x latency p95 ${lat[format].p95.toFixed(1)} ms over ${res.delays.length} events`);
    }
    // Baseline: the same measurement at 10x (ten times the events per batch).
    {
      const id = await createRun(base, { ...busyFleet, speed: 10 });
      const res = await job<{ delays: number[]; events: number }>(child, { kind: 'latency', url: `${ws}/api/runs/${id}/stream`, seconds });
      await fetch(`${base}/api/runs/${id}`, { method: 'DELETE' });
      lat.ndjson = { p50: median(res.delays), p95: percentile(res.delays, 95), events: res.delays.length };
    }
    results.push({
      name: `delay from simulated time to arrival at 1x (fleet 1000 domains polled every second, ${seconds} s), p95`,
      unit: 'ms',
      median: lat.binary.p95,
      p95: lat.binary.p95,
      baseline: { name: 'same at 10x', median: lat.ndjson.p95 },
      floor: { op: '<=', value: 100 },
      extra: { 'median delay (ms)': lat.binary.p50, 'events measured': lat.binary.events, 'events measured at 10x': lat.ndjson.events },
    });

  } finally {
    child.kill();
    await app.close();
  }
  return results;
};

export default bench;
