// The default recording store: one SQLite file (WAL mode) in the data folder.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { NewRecording, RecordingMeta, RecordingPage, RecordingSource, RecordingStore, StoredRecording } from './recording-store.js';

const SQLITE_FILE_NAME = 'lockscope.sqlite';

interface MetaRow {
  id: string;
  title: string;
  created_at: string;
  events: number;
  source: string;
  bytes: number;
}

interface FullRow extends MetaRow {
  config: string | null;
  trace: Buffer;
}

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
`;

function toMeta(row: MetaRow): RecordingMeta {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    events: row.events,
    source: row.source as RecordingSource,
    bytes: row.bytes,
  };
}

export class SqliteRecordingStore implements RecordingStore {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement;
  private readonly selectOne: Database.Statement<[string], FullRow>;
  private readonly selectMeta: Database.Statement<[string], MetaRow>;
  private readonly selectInfo: Database.Statement<[string], MetaRow & { config: string | null }>;
  private readonly selectPage: Database.Statement<[number, number], MetaRow>;
  private readonly count: Database.Statement<[], { n: number }>;

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
    this.insert = this.db.prepare(
      'INSERT INTO recordings (id, title, created_at, events, source, bytes, config, trace) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    this.selectOne = this.db.prepare('SELECT * FROM recordings WHERE id = ?');
    this.selectMeta = this.db.prepare('SELECT id, title, created_at, events, source, bytes FROM recordings WHERE id = ?');
    this.selectInfo = this.db.prepare('SELECT id, title, created_at, events, source, bytes, config FROM recordings WHERE id = ?');
    this.selectPage = this.db.prepare(
      'SELECT id, title, created_at, events, source, bytes FROM recordings ORDER BY created_at DESC, id LIMIT ? OFFSET ?',
    );
    this.count = this.db.prepare('SELECT COUNT(*) AS n FROM recordings');
  }

  async put(r: NewRecording): Promise<RecordingMeta> {
    const createdAt = new Date().toISOString();
    const config = r.config === null || r.config === undefined ? null : JSON.stringify(r.config);
    // One statement in autocommit mode: SQLite stores all of the row or none of it.
    this.insert.run(r.id, r.title, createdAt, r.events, r.source, r.trace.byteLength, config, Buffer.from(r.trace.buffer, r.trace.byteOffset, r.trace.byteLength));
    return { id: r.id, title: r.title, createdAt, events: r.events, source: r.source, bytes: r.trace.byteLength };
  }

  async get(id: string): Promise<StoredRecording | undefined> {
    const row = this.selectOne.get(id);
    if (!row) return undefined;
    return {
      meta: toMeta(row),
      config: row.config === null ? null : (JSON.parse(row.config) as unknown),
      trace: new Uint8Array(row.trace.buffer, row.trace.byteOffset, row.trace.byteLength),
    };
  }

  async meta(id: string): Promise<RecordingMeta | undefined> {
    const row = this.selectMeta.get(id);
    return row ? toMeta(row) : undefined;
  }

  async info(id: string): Promise<{ meta: RecordingMeta; config: unknown } | undefined> {
    const row = this.selectInfo.get(id);
    return row ? { meta: toMeta(row), config: row.config === null ? null : (JSON.parse(row.config) as unknown) } : undefined;
  }

  async list(limit: number, offset: number): Promise<RecordingPage> {
    const items = this.selectPage.all(limit, offset).map(toMeta);
    const total = this.count.get()?.n ?? 0;
    return { items, total, limit, offset };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
