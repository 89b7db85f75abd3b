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

function runWorker(kind: 'sqlite' | 'postgres', file: string, url = ''): WorkerResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(here, 'store.worker.ts'), kind, file, url], { cwd: here, encoding: 'utf8' });
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
  const file = join(dir, 'trace.lkscope');
  const binary = encodeTrace(randomValidTrace(mulberry32(4), { events, threads: 40, locks: 300, maxStep: 200_000 }));
  writeFileSync(file, binary);
  const cluster = await startPostgres();
  const reps = quick ? 1 : 3;
  const pg: WorkerResult[] = [];
  const lite: WorkerResult[] = [];
  try {
    for (let i = 0; i < reps; i++) {
      const url = await cluster.createDatabase(`bench_${i}`);
      lite.push(runWorker('sqlite', file));
      pg.push(runWorker('postgres', file, url));
    }
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const mb = binary.length / 1e6;
  const same = [...pg, ...lite].every((r) => r.same) ? 'identical' : 'MISMATCH';
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
      name: 'peak RSS of a process uploading and downloading it, PostgreSQL',
      unit: 'MB',
      median: m(pg, 'maxRssMB'),
      baseline: { name: 'SQLite', median: m(lite, 'maxRssMB') },
      floor: { op: '<=', value: Math.round(mb + 100) },
      extra: { 'binary trace (MB)': mb.toFixed(1) },
    },
  ];
  return results;
};

export default bench;
