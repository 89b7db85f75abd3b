// The default recording store: one SQLite file (WAL mode) in the data folder.
//
// A trace is stored as rows of `trace_chunks` (up to CHUNK_BYTES each) under a blob number
// allocated by `begin`; `commit` inserts the `recordings` row pointing at that blob, in one
// statement, which is what makes the recording visible. Chunks of a blob that no recording points
// at (an aborted write, a crash mid-upload) are deleted when the store opens. Files written before
// chunking keep their trace in `recordings.trace` and are read from there.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { chunkedWriter, toMeta, type MetaRow } from './chunks.js';
import { DuplicateRecordingError, type RecordingMeta, type RecordingPage, type RecordingStore, type RecordingWriter } from './recording-store.js';

const SQLITE_FILE_NAME = 'lockscope.sqlite';
/** Chunks are gathered up to this size before they are inserted (and read back in this size). */
export const CHUNK_BYTES = 1 << 20;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS recordings (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  created_at TEXT NOT NULL,
  events INTEGER NOT NULL,
  source TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  config TEXT,
  trace BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS recordings_created ON recordings (created_at DESC, id);
CREATE TABLE IF NOT EXISTS trace_blobs (blob INTEGER PRIMARY KEY AUTOINCREMENT);
CREATE TABLE IF NOT EXISTS trace_chunks (
  blob INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  data BLOB NOT NULL,
  PRIMARY KEY (blob, seq)
) WITHOUT ROWID;
`;

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const parseConfig = (config: string | null): unknown => (config === null ? null : (JSON.parse(config) as unknown));

export class SqliteRecordingStore implements RecordingStore {
  private readonly db: Database.Database;
  private readonly statements;

  /** Opens (or creates) `<dataDir>/lockscope.sqlite`; pass ':memory:' as the file for tests. */
  constructor(dataDir: string, file = SQLITE_FILE_NAME) {
    let path = file;
    if (file !== ':memory:') {
      mkdirSync(dataDir, { recursive: true });
      path = join(dataDir, file);
    }
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(SCHEMA);
    const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(recordings)').all();
    if (!columns.some((c) => c.name === 'blob')) this.db.exec('ALTER TABLE recordings ADD COLUMN blob INTEGER');
    // Leftovers of writes that never committed (aborted, or the process died).
    this.db.exec('DELETE FROM trace_chunks WHERE blob NOT IN (SELECT blob FROM recordings WHERE blob IS NOT NULL)');
    this.db.exec('DELETE FROM trace_blobs WHERE blob NOT IN (SELECT blob FROM recordings WHERE blob IS NOT NULL)');
    const db = this.db;
    this.statements = {
      newBlob: db.prepare<[], { blob: number }>('INSERT INTO trace_blobs DEFAULT VALUES RETURNING blob'),
      insertChunk: db.prepare<[number, number, Buffer]>('INSERT INTO trace_chunks (blob, seq, data) VALUES (?, ?, ?)'),
      dropChunks: db.prepare<[number]>('DELETE FROM trace_chunks WHERE blob = ?'),
      dropBlob: db.prepare<[number]>('DELETE FROM trace_blobs WHERE blob = ?'),
      insert: db.prepare<[string, string, string, number, string, number, string | null, number]>(
        "INSERT INTO recordings (id, title, created_at, events, source, bytes, config, trace, blob) VALUES (?, ?, ?, ?, ?, ?, ?, X'', ?)",
      ),
      exists: db.prepare<[string], { id: string }>('SELECT id FROM recordings WHERE id = ?'),
      location: db.prepare<[string], { blob: number | null }>('SELECT blob FROM recordings WHERE id = ?'),
      legacyTrace: db.prepare<[string], { trace: Buffer }>('SELECT trace FROM recordings WHERE id = ?'),
      chunk: db.prepare<[number, number], { data: Buffer }>('SELECT data FROM trace_chunks WHERE blob = ? AND seq = ?'),
      meta: db.prepare<[string], MetaRow>('SELECT id, title, created_at, events, source, bytes FROM recordings WHERE id = ?'),
      info: db.prepare<[string], MetaRow & { config: string | null }>('SELECT id, title, created_at, events, source, bytes, config FROM recordings WHERE id = ?'),
      page: db.prepare<[number, number], MetaRow>('SELECT id, title, created_at, events, source, bytes FROM recordings ORDER BY created_at DESC, id LIMIT ? OFFSET ?'),
      count: db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM recordings'),
    };
  }

  async begin(id: string): Promise<RecordingWriter> {
    const s = this.statements;
    const blob = s.newBlob.get()!.blob;
    let seq = 0;
    return chunkedWriter(id, CHUNK_BYTES, {
      chunk: (data) => {
        s.insertChunk.run(blob, seq++, data);
      },
      record: (r, row) => {
        if (s.exists.get(id)) throw new DuplicateRecordingError(id);
        // One statement in autocommit mode: the recording appears whole or not at all.
        s.insert.run(id, r.title, row.createdAt, r.events, r.source, row.bytes, row.config, blob);
      },
      drop: () => {
        if (!this.db.open) return;
        s.dropChunks.run(blob);
        s.dropBlob.run(blob);
      },
    });
  }

  async chunks(id: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    const s = this.statements;
    const where = s.location.get(id);
    if (!where) return undefined;
    if (where.blob === null) {
      const row = s.legacyTrace.get(id);
      return (async function* () {
        if (row && row.trace.byteLength > 0) yield asBytes(row.trace);
      })();
    }
    const blob = where.blob;
    const db = this.db;
    return (async function* () {
      for (let seq = 0; ; seq++) {
        if (!db.open) return;
        const row = s.chunk.get(blob, seq);
        if (!row) return;
        yield asBytes(row.data);
      }
    })();
  }

  async meta(id: string): Promise<RecordingMeta | undefined> {
    const row = this.statements.meta.get(id);
    return row ? toMeta(row) : undefined;
  }

  async info(id: string): Promise<{ meta: RecordingMeta; config: unknown } | undefined> {
    const row = this.statements.info.get(id);
    return row ? { meta: toMeta(row), config: parseConfig(row.config) } : undefined;
  }

  async list(limit: number, offset: number): Promise<RecordingPage> {
    const items = this.statements.page.all(limit, offset).map(toMeta);
    const total = this.statements.count.get()?.n ?? 0;
    return { items, total, limit, offset };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
