// Two Lockscope server processes on one real PostgreSQL, each with its own data folder (no shared
// disk): a recording uploaded to one downloads identically from the other, share links work on
// both, a live run hosted by one streams to a viewer of the other (relayed), and after `kill -9`
// of the first the second still serves the recording and reports the run ended (source-error).
// Sweeps are jobs of a PostgreSQL queue: one posted to an instance runs on both and reads the same
// from each; the points a killed instance held run again on another.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSweep, type SweepInput, type SweepJob } from '@lockscope/cli';
import { FrameDecoder, FrameEncoder, Trace, encodeTrace } from '@lockscope/trace';
import { buildApp } from '../app.js';
import { PostgresRecordingStore } from '../store/postgres-store.js';
import { tempDir, testConfig } from '../test-support.js';
import { SweepQueue } from './sweep-queue.js';
import { postgresMissing, startPostgres, type PgCluster } from '../test-postgres.js';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'main.js');
const missing = postgresMissing() ?? (existsSync(main) ? null : 'the server is not built (dist/main.js)');
if (missing) console.warn(`skipping the multi-instance tests: ${missing}`);

interface Instance {
  child: ChildProcess;
  base: string;
  dir: string;
}

// Three missed beats (1.5 s) end an instance's runs: more than a loaded test machine stalls.
const HEARTBEAT_MS = 500;
let cluster: PgCluster | undefined;
const instances: Instance[] = [];

async function startInstance(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<Instance> {
  const dir = tempDir();
  const child = spawn(process.execPath, [main], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOCKSCOPE_DATA_DIR: dir, DATABASE_URL: databaseUrl, LOCKSCOPE_HEARTBEAT_MS: String(HEARTBEAT_MS), LOCKSCOPE_LOG_LEVEL: 'info', LOCKSCOPE_IDLE_GRACE_MS: '300000', ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the instance did not start: ${out}`)), 30_000);
    const onData = (b: Buffer): void => {
      out += b.toString();
      const m = /Lockscope listening on (http:\/\/[^"\s]+)/.exec(out);
      // Registered (and so reachable by the other instance) once this line is out.
      if (m && out.includes('registered in the run registry')) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the instance exited (${code}): ${out}`)));
  });
  const instance = { child, base, dir };
  instances.push(instance);
  return instance;
}

function sampleTrace(n: number): Trace {
  const t = new Trace();
  const w = t.addThread('rpc-libvirtd 101', 'worker');
  const vm = t.addLock({ name: 'domain vm-01', class: 'domain-object', kind: 'mutex', subject: 'vm-01' });
  for (let i = 0; i < n; i++) {
    t.request(i * 10, w, vm);
    t.acquired(i * 10 + 1, w, vm);
    t.released(i * 10 + 5, w, vm);
  }
  return t;
}

beforeAll(async () => {
  if (!missing) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  for (const i of instances) {
    i.child.kill('SIGKILL');
    rmSync(i.dir, { recursive: true, force: true });
  }
  await cluster?.stop();
});

describe('two instances on one PostgreSQL', () => {
  it.skipIf(missing !== null)(
    'share recordings, relay a live run between them, and report the runs of a killed instance as ended',
    async () => {
      const url = await cluster!.createDatabase('cluster');
      const a = await startInstance(url);
      const b = await startInstance(url);

      // A recording uploaded to A downloads identically from B; its share link works on B.
      const binary = encodeTrace(sampleTrace(2000));
      const up = await fetch(`${a.base}/api/recordings?title=fleet`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: binary });
      expect(up.status).toBe(201);
      const { id: recording } = (await up.json()) as { id: string };
      const fromA = new Uint8Array(await (await fetch(`${a.base}/api/recordings/${recording}?format=binary`)).arrayBuffer());
      const fromB = new Uint8Array(await (await fetch(`${b.base}/api/recordings/${recording}?format=binary`)).arrayBuffer());
      expect(fromB.length).toBeGreaterThan(0);
      expect(Buffer.from(fromB).equals(Buffer.from(fromA))).toBe(true);
      expect((await fetch(`${b.base}/r/${recording}`)).status).toBe(200);

      // A live run hosted by A (fed by a remote tracer) streams to a viewer connected to B.
      const created = await fetch(`${a.base}/api/ingest`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'host-3' }) });
      const { id: run, ingest } = (await created.json()) as { id: string; ingest: string };
      const trace = sampleTrace(400);
      const encoder = new FrameEncoder();
      const post = (seq: number, from: number, to: number, base = a.base) =>
        fetch(`${base}${ingest}?seq=${seq}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: encoder.encode(trace, from, to) });
      expect((await post(0, 0, 300)).status).toBe(200);
      // The run registry is written just after A answers: B knows the run a moment later.
      let described: { state?: string; events?: number; config?: { title: string } } = {};
      for (const deadline = Date.now() + 10_000; described.state === undefined && Date.now() < deadline; ) {
        const res = await fetch(`${b.base}/api/runs/${run}`);
        if (res.status !== 404) described = (await res.json()) as typeof described;
        else await new Promise((r) => setTimeout(r, 50));
      }
      expect(described).toMatchObject({ state: 'running', events: 300, config: { title: 'host-3' } });

      const viewer = new WebSocket(`${b.base.replace('http', 'ws')}/api/runs/${run}/stream`);
      const seen = new Trace();
      const decoder = new FrameDecoder();
      let hello: { type: string; run: { id: string } } | undefined;
      viewer.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), seen);
        else if (!hello) hello = JSON.parse(data.toString()) as typeof hello;
      });
      const until = async (what: string, check: () => boolean): Promise<void> => {
        const deadline = Date.now() + 20_000;
        while (!check()) {
          if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
          await new Promise((r) => setTimeout(r, 20));
        }
      };
      await until('the first events through B', () => seen.length === 300);
      expect(hello).toMatchObject({ type: 'hello', run: { id: run } });
      expect((await post(1, 300, 900)).status).toBe(200);
      await until('the next events through B', () => seen.length === 900);
      // The agent's next frame reaches B (a proxy spreads requests): B forwards it to A.
      const forwarded = await post(2, 900, 1200, b.base);
      expect(forwarded.status).toBe(200);
      expect(await forwarded.json()).toMatchObject({ acked: 3, events: 1200 });
      await until('the forwarded events through B', () => seen.length === 1200);
      expect(Array.from(seen.time.subarray(0, seen.length))).toEqual(Array.from(trace.time.subarray(0, 1200)));

      // kill -9 of A: B still serves the recording, and reports A's run ended with its instance.
      const closed = new Promise<void>((r) => viewer.on('close', () => r()));
      a.child.kill('SIGKILL');
      await closed;
      let state: { state: string; reason?: string } = { state: 'running' };
      const deadline = Date.now() + 20_000;
      while (state.state === 'running' && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, HEARTBEAT_MS));
        state = (await (await fetch(`${b.base}/api/runs/${run}`)).json()) as typeof state;
      }
      expect(state).toMatchObject({ state: 'stopped', reason: 'source-error' });
      const again = new Uint8Array(await (await fetch(`${b.base}/api/recordings/${recording}?format=binary`)).arrayBuffer());
      expect(Buffer.from(again).equals(Buffer.from(fromA))).toBe(true);
      const stream = await fetch(`${b.base}/api/runs/${run}/stream`);
      expect(stream.status).toBe(409);
    },
    120_000,
  );

  // Small sweeps (create-storm, domains 2 and 3): what matters is who runs the points, not their size.
  const sweepOf = (presets: string[]): SweepInput => ({ scenario: 'create-storm', params: { domains: [2, 3] }, presets, seed: 3 });
  const postSweep = async (base: string, input: SweepInput): Promise<string> => {
    const res = await fetch(`${base}/api/sweeps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(input) });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: string }).id;
  };
  const getSweep = async (base: string, id: string): Promise<SweepJob> => (await fetch(`${base}/api/sweeps/${id}`)).json() as Promise<SweepJob>;
  const sweepDone = async (base: string, id: string): Promise<SweepJob> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const job = await getSweep(base, id);
      if (job.status !== 'running') return job;
      if (Date.now() > deadline) throw new Error(`the sweep is still running: ${JSON.stringify(job)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const sweepEnv = { LOCKSCOPE_SWEEP_WORKERS: '1', LOCKSCOPE_SWEEP_EXPIRE_S: '4' };

  it.skipIf(missing !== null)(
    'run a sweep posted to one instance on the workers of both, and answer its progress and points the same on each',
    async () => {
      const url = await cluster!.createDatabase('sweeps');
      const a = await startInstance(url, sweepEnv);
      const b = await startInstance(url, sweepEnv);
      const input = sweepOf(['libvirt-2013', 'feiner-both']);
      const id = await postSweep(a.base, input);
      const early = await getSweep(b.base, id);
      expect(early).toMatchObject({ id, total: 4 });
      const fromB = await sweepDone(b.base, id);
      expect(fromB).toMatchObject({ status: 'done', done: 4, total: 4 });
      expect(await getSweep(a.base, id)).toEqual(fromB);
      // The points are those of the same sweep run in one process.
      expect(fromB.result).toEqual(await runSweep(input, { workers: 0 }));
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const ran = await db.query<{ n: number }>('SELECT count(DISTINCT instance)::int AS n FROM sweep_points WHERE sweep = $1', [id]);
        expect(ran.rows[0].n).toBe(2);
      } finally {
        await db.end();
      }
      expect((await fetch(`${b.base}/api/sweeps/00000000-0000-0000-0000-000000000000`)).status).toBe(404);
      expect((await fetch(`${b.base}/api/sweeps/------------------------------------`)).status).toBe(400);
    },
    120_000,
  );

  it.skipIf(missing !== null)(
    'retry on another instance the points of an instance killed mid-sweep, and complete the sweep there',
    async () => {
      const url = await cluster!.createDatabase('sweeps_kill');
      const a = await startInstance(url, sweepEnv);
      const input = sweepOf(['libvirt-2013', 'feiner-security', 'feiner-name-copy', 'feiner-both']);
      const id = await postSweep(a.base, input);
      const db = new pg.Client({ connectionString: url });
      await db.connect();
      try {
        const active = async (): Promise<number> =>
          (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'sweep' = $1 AND state = 'active'`, [id])).rows[0].n;
        const deadline = Date.now() + 30_000;
        while ((await active()) === 0) {
          if (Date.now() > deadline) throw new Error('instance A took no point');
          await new Promise((r) => setTimeout(r, 10));
        }
        a.child.kill('SIGKILL');
        await new Promise<void>((r) => (a.child.exitCode !== null || a.child.signalCode !== null ? r() : a.child.once('exit', () => r())));
        // A point was in A's hands when it died (one at most: one worker): only a retry finishes it.
        expect(await active()).toBe(1);
        const b = await startInstance(url, sweepEnv);
        expect((await getSweep(b.base, id)).done).toBeLessThan(8);
        const job = await sweepDone(b.base, id);
        expect(job).toMatchObject({ status: 'done', done: 8, total: 8 });
        expect(job.result).toEqual(await runSweep(input, { workers: 0 }));
        const retried = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE data->>'sweep' = $1 AND retry_count > 0`, [id]);
        expect(retried.rows[0].n).toBeGreaterThan(0);
      } finally {
        await db.end();
      }
    },
    120_000,
  );

  it.skipIf(missing !== null)(
    'queue nothing for a bad sweep, and fail a sweep whose point cannot run rather than retry it',
    async () => {
      const url = await cluster!.createDatabase('sweeps_bad');
      const store = new PostgresRecordingStore(url, { max: 3 });
      await store.ready;
      const queue = new SweepQueue(store.pool, url, { instanceId: 'here', workers: 1, expireSeconds: 30 });
      const app = buildApp(testConfig(), { store, sweeps: queue });
      try {
        await queue.start();
        const bad = await app.inject({ method: 'POST', url: '/api/sweeps', payload: { scenario: 'create-storm', params: { domains: [2] }, presets: ['nope'] } });
        expect(bad.statusCode).toBe(400);
        expect(bad.json()).toMatchObject({ error: 'invalid_input', field: 'preset' });
        expect((await store.pool.query('SELECT count(*)::int AS n FROM sweeps')).rows[0]).toEqual({ n: 0 });
        // A sweep recorded with more points than its input has: the extra one throws where it runs.
        const id = '11111111-2222-4333-8444-555555555555';
        expect(await queue.create(id, sweepOf(['libvirt-2013']), 3)).toBe('queued');
        const deadline = Date.now() + 30_000;
        let job = (await app.inject({ method: 'GET', url: `/api/sweeps/${id}` })).json() as SweepJob;
        while (job.status === 'running' && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 100));
          job = (await app.inject({ method: 'GET', url: `/api/sweeps/${id}` })).json() as SweepJob;
        }
        expect(job).toMatchObject({ status: 'failed', total: 3, error: 'the sweep has no point 2' });
        expect(job.result).toBeUndefined();
        const retries = await store.pool.query(`SELECT max(retry_count)::int AS n FROM pgboss.job WHERE data->>'sweep' = $1`, [id]);
        expect(retries.rows[0]).toEqual({ n: 0 });
      } finally {
        await app.close();
      }
    },
    60_000,
  );
});
