// The RecordingStore contract (recording-store.ts), as tests that every store passes: the SQLite
// file and PostgreSQL run the same ones (store-contract.test.ts).
import { describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { DuplicateRecordingError, putRecording, readRecording, type RecordingStore } from './recording-store.js';

export interface StoreUnderTest {
  store: RecordingStore;
  /** The same storage opened again by a new store (the first one is closed by the caller). */
  reopen(): Promise<RecordingStore>;
  /** Chunk rows stored, committed or not. */
  chunkRows(): Promise<number>;
  /** The size up to which the store gathers chunks. */
  chunkBytes: number;
  /** Releases the storage. */
  dispose(): Promise<void>;
}

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);
const rec = (title: string, events = 1) => ({ title, events, source: 'upload' as const, config: null });

export function describeStoreContract(name: string, skip: string | null, open: () => Promise<StoreUnderTest>): void {
  const withStore = (title: string, body: (s: StoreUnderTest) => Promise<void>) =>
    it.skipIf(skip !== null)(title, async () => {
      const s = await open();
      try {
        await body(s);
      } finally {
        await s.store.close();
        await s.dispose();
      }
    });

  describe(`RecordingStore contract: ${name}`, () => {
    withStore('stores, reads back, and serves the same recording after reopening', async (s) => {
      const id = newId();
      const trace = bytes(10_000, 3);
      const meta = await putRecording(s.store, id, { title: 'storm', events: 42, source: 'simulated', config: { scenario: 'create-storm', seed: 7 } }, trace);
      expect(meta).toMatchObject({ id, title: 'storm', events: 42, source: 'simulated', bytes: 10_000 });
      const again = await s.reopen();
      try {
        expect(await again.meta(id)).toEqual(meta);
        expect(Buffer.from((await readRecording(again, id))!).equals(Buffer.from(trace))).toBe(true);
        expect(await again.chunks(newId())).toBeUndefined();
        expect(await again.info(id)).toEqual({ meta, config: { scenario: 'create-storm', seed: 7 } });
        expect(await again.info(newId())).toBeUndefined();
      } finally {
        await again.close();
      }
    });

    withStore('writes and reads a trace larger than a chunk in chunks, in order', async (s) => {
      const id = newId();
      const parts = [bytes(s.chunkBytes - 5, 1), bytes(10, 2), bytes(s.chunkBytes + 7, 3), bytes(3, 4)];
      const meta = await putRecording(s.store, id, rec('big'), parts);
      expect(meta.bytes).toBe(parts.reduce((n, p) => n + p.length, 0));
      const read: Uint8Array[] = [];
      for await (const c of (await s.store.chunks(id))!) read.push(c);
      expect(read.length).toBeGreaterThan(1);
      expect(read.every((c) => c.byteLength <= 2 * s.chunkBytes + 7)).toBe(true);
      expect(Buffer.concat(read).equals(Buffer.concat(parts))).toBe(true);
    });

    withStore('shows nothing of a recording before commit, and keeps nothing after an abort', async (s) => {
      const id = newId();
      const writer = await s.store.begin(id);
      await writer.write(bytes(s.chunkBytes * 2, 1));
      expect(await s.store.meta(id)).toBeUndefined();
      expect(await s.store.chunks(id)).toBeUndefined();
      expect((await s.store.list(10, 0)).total).toBe(0);
      await writer.abort();
      await writer.abort();
      expect(await s.store.meta(id)).toBeUndefined();
      expect(await s.chunkRows()).toBe(0);
    });

    withStore('refuses a second recording with the same id and keeps the first', async (s) => {
      const id = newId();
      await putRecording(s.store, id, rec('first'), bytes(10, 1));
      await expect(putRecording(s.store, id, rec('second', 2), bytes(10, 2))).rejects.toBeInstanceOf(DuplicateRecordingError);
      expect((await s.store.meta(id))?.title).toBe('first');
      expect([...(await readRecording(s.store, id))!]).toEqual([...bytes(10, 1)]);
      expect(await s.chunkRows()).toBe(1);
    });

    withStore('lists newest first, paginated, with an offset past the end', async (s) => {
      for (let i = 0; i < 5; i++) {
        await putRecording(s.store, newId(), rec(`t${i}`, i), bytes(4, i));
        await new Promise((r) => setTimeout(r, 2)); // distinct creation times
      }
      const first = await s.store.list(2, 0);
      expect(first.total).toBe(5);
      expect(first.items.map((m) => m.title)).toEqual(['t4', 't3']);
      expect((await s.store.list(2, 4)).items.map((m) => m.title)).toEqual(['t0']);
      expect((await s.store.list(2, 1_000_000)).items).toEqual([]);
    });
  });
}
