import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { tempDir } from '../test-support.js';
import { DuplicateRecordingError, putRecording, readRecording } from './recording-store.js';
import { CHUNK_BYTES, SqliteRecordingStore } from './sqlite-store.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
/** Rows left in the chunk table of the store file in `dir`. */
function chunkRows(dir: string): number {
  const db = new Database(join(dir, 'lockscope.sqlite'));
  const { n } = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM trace_chunks').get()!;
  db.close();
  return n;
}
const rec = (title: string, events = 1) => ({ title, events, source: 'upload' as const, config: null });

describe('SqliteRecordingStore', () => {
  it('stores, reads back, and survives reopening the same file', async () => {
    const dir = tempDir();
    const store = new SqliteRecordingStore(dir);
    const id = newId();
    const trace = bytes(10_000, 3);
    const meta = await putRecording(store, id, { title: 'storm', events: 42, source: 'simulated', config: { scenario: 'create-storm', seed: 7 } }, trace);
    expect(meta).toMatchObject({ id, title: 'storm', events: 42, source: 'simulated', bytes: 10_000 });
    await store.close();

    const reopened = new SqliteRecordingStore(dir);
    expect(await reopened.meta(id)).toEqual(meta);
    expect(Buffer.from((await readRecording(reopened, id))!).equals(Buffer.from(trace))).toBe(true);
    expect(await reopened.chunks(newId())).toBeUndefined();
    expect(await reopened.info(id)).toEqual({ meta, config: { scenario: 'create-storm', seed: 7 } });
    expect(await reopened.info(newId())).toBeUndefined();
    await reopened.close();
  });

  it('writes and reads a trace larger than a chunk in chunks, in order', async () => {
    const store = new SqliteRecordingStore(tempDir());
    const id = newId();
    const parts = [bytes(CHUNK_BYTES - 5, 1), bytes(10, 2), bytes(CHUNK_BYTES + 7, 3), bytes(3, 4)];
    const meta = await putRecording(store, id, rec('big'), parts);
    const total = parts.reduce((n, p) => n + p.length, 0);
    expect(meta.bytes).toBe(total);
    const read: Uint8Array[] = [];
    for await (const c of (await store.chunks(id))!) read.push(c);
    expect(read.length).toBeGreaterThan(1);
    expect(read.every((c) => c.byteLength <= 2 * CHUNK_BYTES + 7)).toBe(true);
    expect(Buffer.concat(read).equals(Buffer.concat(parts))).toBe(true);
    await store.close();
  });

  it('shows nothing of a recording before commit, and nothing after an abort', async () => {
    const dir = tempDir();
    const store = new SqliteRecordingStore(dir);
    const id = newId();
    const writer = await store.begin(id);
    await writer.write(bytes(CHUNK_BYTES * 2, 1));
    expect(await store.meta(id)).toBeUndefined();
    expect(await store.chunks(id)).toBeUndefined();
    expect((await store.list(10, 0)).total).toBe(0);
    await writer.abort();
    await writer.abort();
    expect(await store.meta(id)).toBeUndefined();
    await store.close();
    expect(chunkRows(dir)).toBe(0);
  });

  it('deletes the chunks of a write the process never finished when it reopens the file', async () => {
    const dir = tempDir();
    const store = new SqliteRecordingStore(dir);
    const writer = await store.begin(newId());
    await writer.write(bytes(CHUNK_BYTES + 1, 1)); // one chunk inserted, then "the process dies"
    await store.close();
    const reopened = new SqliteRecordingStore(dir);
    await reopened.close();
    expect(chunkRows(dir)).toBe(0);
  });

  it('reads recordings of files written before chunking', async () => {
    const dir = tempDir();
    const db = new Database(join(dir, 'lockscope.sqlite'));
    db.exec(`CREATE TABLE recordings (id TEXT PRIMARY KEY, title TEXT NOT NULL, created_at TEXT NOT NULL, events INTEGER NOT NULL,
      source TEXT NOT NULL, bytes INTEGER NOT NULL, config TEXT, trace BLOB NOT NULL)`);
    const id = newId();
    db.prepare('INSERT INTO recordings VALUES (?, ?, ?, ?, ?, ?, ?, ?)').run(id, 'old', new Date().toISOString(), 3, 'upload', 5, null, Buffer.from([1, 2, 3, 4, 5]));
    db.close();
    const store = new SqliteRecordingStore(dir);
    expect([...(await readRecording(store, id))!]).toEqual([1, 2, 3, 4, 5]);
    await putRecording(store, newId(), rec('new'), bytes(4, 1));
    expect((await store.list(10, 0)).total).toBe(2);
    await store.close();
  });

  it('refuses a second recording with the same id and keeps the first', async () => {
    const store = new SqliteRecordingStore(tempDir());
    const id = newId();
    await putRecording(store, id, rec('first'), bytes(10, 1));
    await expect(putRecording(store, id, rec('second', 2), bytes(10, 2))).rejects.toBeInstanceOf(DuplicateRecordingError);
    expect((await store.meta(id))?.title).toBe('first');
    expect([...(await readRecording(store, id))!]).toEqual([...bytes(10, 1)]);
    await store.close();
  });

  it('lists newest first, paginated, with an offset past the end', async () => {
    const store = new SqliteRecordingStore(tempDir());
    for (let i = 0; i < 5; i++) {
      await putRecording(store, newId(), rec(`t${i}`, i), bytes(4, i));
      await new Promise((r) => setTimeout(r, 2)); // distinct creation times
    }
    const first = await store.list(2, 0);
    expect(first.total).toBe(5);
    expect(first.items.map((m) => m.title)).toEqual(['t4', 't3']);
    const last = await store.list(2, 4);
    expect(last.items.map((m) => m.title)).toEqual(['t0']);
    expect((await store.list(2, 1_000_000)).items).toEqual([]);
    await store.close();
  });
});
