// One upload and one download of a stored trace, in a process of its own so that its peak RSS is
// that of the store alone: `store.worker.ts sqlite|postgres FILE [DATABASE_URL]` streams FILE into
// the store in 1 MiB pieces, reads it back chunk by chunk, and prints one JSON line.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresRecordingStore, SqliteRecordingStore, newId, type RecordingStore } from '@lockscope/server';

const [kind, file, url] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'lockscope-bench-store-'));
const store: RecordingStore = kind === 'postgres' ? new PostgresRecordingStore(url, { max: 4 }) : new SqliteRecordingStore(dir);
if (store instanceof PostgresRecordingStore) await store.ready;
const size = statSync(file).size;
const id = newId();
const piece = Buffer.allocUnsafe(1 << 20);

const t0 = performance.now();
const writer = await store.begin(id);
const fd = openSync(file, 'r');
const sent = createHash('sha256');
for (let at = 0; at < size; ) {
  const n = readSync(fd, piece, 0, piece.length, at);
  await writer.write(piece.subarray(0, n));
  sent.update(piece.subarray(0, n));
  at += n;
}
closeSync(fd);
await writer.commit({ title: 'bench', events: 0, source: 'upload', config: null });
const t1 = performance.now();
const got = createHash('sha256');
let read = 0;
for await (const chunk of (await store.chunks(id))!) {
  got.update(chunk);
  read += chunk.byteLength;
}
const t2 = performance.now();
await store.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ uploadMBs: size / 1e6 / ((t1 - t0) / 1000), downloadMBs: read / 1e6 / ((t2 - t1) / 1000), same: sent.digest('hex') === got.digest('hex'), maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`,
);
