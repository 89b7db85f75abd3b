// Recording store throughput: a large binary trace uploaded to and downloaded from PostgreSQL (a
// throwaway cluster of Debian's postgresql) beside the SQLite file measured in the same run, each
// in its own process (bench/store.worker.ts) whose peak RSS shows that memory stays bounded by the
// chunks in flight, not by the size of the recording.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeTrace, mulberry32, randomValidTrace } from '@lockscope/trace';
import { postgresMissing, startPostgres } from '../apps/server/src/test-postgres.js';
import { median, type Bench, type BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));

interface WorkerResult {
  uploadMBs: number;
  downloadMBs: number;
  same: boolean;
  maxRssMB: number;
}

function runWorker(kind: 'sqlite' | 'postgres', file: string, url = '', nodeArgs: string[] = []): WorkerResult {
  const r = spawnSync(process.execPath, [...nodeArgs, '--import', 'tsx', join(here, 'store.worker.ts'), kind, file, url], { cwd: here, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`store worker (${kind}) failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string) as WorkerResult;
}

const bench: Bench = async ({ quick }) => {
  const missing = postgresMissing();
  if (missing) {
    console.log(`store: skipped, ${missing}`);
    return [];
  }
  const events = quick ? 200_000 : 4_000_000;
  const dir = mkdtempSync(join(tmpdir(), 'lockscope-bench-store-'));
  const write = (n: number, name: string): { file: string; bytes: number } => {
    const binary = encodeTrace(randomValidTrace(mulberry32(4), { events: n, threads: 40, locks: 300, maxStep: 200_000 }));
    writeFileSync(join(dir, name), binary);
    return { file: join(dir, name), bytes: binary.length };
  };
  const { file, bytes } = write(events, 'trace.lkscope');
  // A quarter of it: if memory followed the size of the recording, the peak RSS would differ.
  const quarter = write(events / 4, 'quarter.lkscope');
  const cluster = await startPostgres();
  const reps = quick ? 1 : 3;
  const pg: WorkerResult[] = [];
  const pgQuarter: WorkerResult[] = [];
  let capped = 'not run';
  const lite: WorkerResult[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const url = await cluster.createDatabase(`bench_${i}`);
      lite.push(runWorker('sqlite', file));
      pg.push(runWorker('postgres', file, url));
      pgQuarter.push(runWorker('postgres', quarter.file, url));
    }
    // What the store keeps is bounded by its chunks in flight: the whole trace goes through a
    // process whose JavaScript heap may not grow past 48 MB (the trace is hex text on the wire).
    try {
      const r = runWorker('postgres', file, await cluster.createDatabase('bench_capped'), ['--max-old-space-size=48']);
      capped = r.same ? `completed, read back identical, peak RSS ${r.maxRssMB.toFixed(1)} MB` : 'completed, read back DIFFERENT';
    } catch (error) {
      capped = `FAILED: ${(error as Error).message.split('\n')[0]}`;
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const mb = bytes / 1e6;
  const same = [...pg, ...pgQuarter, ...lite].every((r) => r.same) ? 'identical' : 'MISMATCH';
  const m = (rs: WorkerResult[], k: keyof Omit<WorkerResult, 'same'>): number => Math.round(median(rs.map((r) => r[k])) * 10) / 10;
  const results: BenchResult[] = [
    {
      name: `PostgreSQL store upload, ${events / 1e6} M events (${mb.toFixed(1)} MB binary)`,
      unit: 'MB/s',
      median: m(pg, 'uploadMBs'),
      baseline: { name: 'SQLite store upload', median: m(lite, 'uploadMBs') },
      extra: { runs: reps, 'read back': same },
    },
    { name: 'PostgreSQL store download', unit: 'MB/s', median: m(pg, 'downloadMBs'), baseline: { name: 'SQLite store download', median: m(lite, 'downloadMBs') } },
    {
      name: `peak RSS of a process uploading and downloading it, PostgreSQL, ${events / 1e6} M events`,
      unit: 'MB',
      median: m(pg, 'maxRssMB'),
      baseline: { name: `the same with ${events / 4e6} M events (a quarter)`, median: m(pgQuarter, 'maxRssMB') },
      // Four times the data may add about two chunks in flight (1 MiB each, hex-encoded on the wire), not the trace.
      floor: { op: '<=', value: Math.round(m(pgQuarter, 'maxRssMB') + 16) },
      extra: {
        'binary trace (MB)': mb.toFixed(1),
        'quarter (MB)': (quarter.bytes / 1e6).toFixed(1),
        'SQLite, full trace (MB)': m(lite, 'maxRssMB'),
        'PostgreSQL, full trace, JavaScript heap capped at 48 MB': capped,
      },
    },
  ];
  return results;
};

export default bench;
