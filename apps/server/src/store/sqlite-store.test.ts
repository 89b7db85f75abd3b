import { describe, expect, it } from 'vitest';
import { newId } from '../ids.js';
import { tempDir } from '../test-support.js';
import { SqliteRecordingStore } from './sqlite-store.js';

const bytes = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('SqliteRecordingStore', () => {
  it('stores, reads back, and survives reopening the same file', async () => {
    const dir = tempDir();
    const store = new SqliteRecordingStore(dir);
    const id = newId();
    const trace = bytes(10_000, 3);
    const meta = await store.put({ id, title: 'storm', events: 42, source: 'simulated', config: { scenario: 'create-storm', seed: 7 }, trace });
    expect(meta).toMatchObject({ id, title: 'storm', events: 42, source: 'simulated', bytes: 10_000 });
    await store.close();

    const reopened = new SqliteRecordingStore(dir);
    const got = await reopened.get(id);
    expect(got?.meta).toEqual(meta);
    expect(got?.config).toEqual({ scenario: 'create-storm', seed: 7 });
    expect(Buffer.from(got!.trace).equals(Buffer.from(trace))).toBe(true);
    expect(await reopened.get(newId())).toBeUndefined();
    expect(await reopened.info(id)).toEqual({ meta, config: { scenario: 'create-storm', seed: 7 } });
    expect(await reopened.info(newId())).toBeUndefined();
    await reopened.close();
  });

  it('refuses a second recording with the same id and keeps the first', async () => {
    const store = new SqliteRecordingStore(tempDir());
    const id = newId();
    await store.put({ id, title: 'first', events: 1, source: 'upload', config: null, trace: bytes(10, 1) });
    await expect(store.put({ id, title: 'second', events: 2, source: 'upload', config: null, trace: bytes(10, 2) })).rejects.toThrow();
    expect((await store.meta(id))?.title).toBe('first');
    await store.close();
  });

  it('lists newest first, paginated', async () => {
    const store = new SqliteRecordingStore(tempDir());
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newId();
      ids.push(id);
      await store.put({ id, title: `t${i}`, events: i, source: 'upload', config: null, trace: bytes(4, i) });
      await new Promise((r) => setTimeout(r, 2)); // distinct creation times
    }
    const first = await store.list(2, 0);
    expect(first.total).toBe(5);
    expect(first.items.map((m) => m.title)).toEqual(['t4', 't3']);
    const last = await store.list(2, 4);
    expect(last.items.map((m) => m.title)).toEqual(['t0']);
    await store.close();
  });
});
