// The recording store of a team deployment: PostgreSQL (`DATABASE_URL=postgres://...`), shared by
// every Lockscope instance, so that any of them serves any recording without a shared disk.
//
// A trace is stored as rows of `trace_chunks` (up to CHUNK_BYTES each) under a blob number that
// `begin` allocates in `trace_blobs`; `commit` inserts the `recordings` row pointing at the blob
// and marks the blob committed, in one transaction, which is what makes the recording visible.
// Uncommitted blobs (an aborted write, an instance that died mid-upload) are deleted when a store
// opens, once untouched for LEFTOVER_AGE (another instance may still be writing a younger one).
// Reads fetch one chunk per query, when the consumer asks for it: memory stays bounded by the
// chunks in flight whatever the size of the recording. Connections come from a pool.
//
// The schema is versioned (`lockscope_schema`): migrations run at start under an advisory lock,
// so that instances starting together apply each one once.
import pg from 'pg';
import { chunkedWriter, toMeta, type MetaRow } from './chunks.js';
import { DuplicateRecordingError, type RecordingMeta, type RecordingPage, type RecordingStore, type RecordingWriter } from './recording-store.js';

/** Chunks are gathered up to this size before they are inserted (and read back in this size). */
export const PG_CHUNK_BYTES = 1 << 20;
/** An uncommitted blob untouched this long belongs to a write that will never finish. */
const LEFTOVER_AGE = '1 hour';
/** Any constant: the key of the advisory lock taken while migrating. */
const MIGRATION_LOCK = 0x10c5c09e;

/** Schema versions, applied in order, each once. Never edit one that shipped: add the next. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE recordings (
     id TEXT PRIMARY KEY,
     title TEXT NOT NULL,
     created_at TEXT NOT NULL,
     events BIGINT NOT NULL,
     source TEXT NOT NULL,
     bytes BIGINT NOT NULL,
     config JSONB,
     blob BIGINT NOT NULL
   );
   CREATE INDEX recordings_created ON recordings (created_at DESC, id);
   CREATE TABLE trace_blobs (
     blob BIGSERIAL PRIMARY KEY,
     committed BOOLEAN NOT NULL DEFAULT FALSE,
     touched_at TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE TABLE trace_chunks (
     blob BIGINT NOT NULL REFERENCES trace_blobs (blob) ON DELETE CASCADE,
     seq INTEGER NOT NULL,
     data BYTEA NOT NULL,
     PRIMARY KEY (blob, seq)
   );`,
  // The run registry of several instances (cluster/registry.ts).
  `CREATE TABLE instances (
     id TEXT PRIMARY KEY,
     url TEXT NOT NULL,
     started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     heartbeat_at TIMESTAMPTZ NOT NULL DEFAULT now()
   );
   CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     instance TEXT NOT NULL REFERENCES instances (id),
     state TEXT NOT NULL,
     reason TEXT,
     config JSONB NOT NULL,
     events BIGINT NOT NULL DEFAULT 0,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     ended_at TIMESTAMPTZ
   );
   CREATE INDEX runs_instance_live ON runs (instance) WHERE ended_at IS NULL;`,
  // Sweeps run as jobs of a PostgreSQL queue (cluster/sweep-queue.ts): progress and points here.
  `CREATE TABLE sweeps (
     id UUID PRIMARY KEY,
     input JSONB NOT NULL,
     total INTEGER NOT NULL,
     done INTEGER NOT NULL DEFAULT 0,
     status TEXT NOT NULL DEFAULT 'running',
     error TEXT,
     created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
     finished_at TIMESTAMPTZ
   );
   CREATE TABLE sweep_points (
     sweep UUID NOT NULL REFERENCES sweeps (id) ON DELETE CASCADE,
     idx INTEGER NOT NULL,
     summary JSONB NOT NULL,
     instance TEXT NOT NULL,
     PRIMARY KEY (sweep, idx)
   );`,
];

const META_COLUMNS = 'id, title, created_at, events, source, bytes';
const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export interface PostgresStoreOptions {
  /** Connections in the pool. Default 10. */
  max?: number;
}

export class PostgresRecordingStore implements RecordingStore {
  readonly pool: pg.Pool;
  /** Resolves once the schema is migrated and leftovers are gone; every method waits for it. */
  readonly ready: Promise<void>;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.pool = new pg.Pool({ connectionString: url, max: options.max ?? 10, application_name: 'lockscope' });
    // An idle connection that breaks (the server restarted) is dropped by the pool, not thrown.
    this.pool.on('error', () => {});
    this.ready = this.open();
    this.ready.catch(() => {});
  }

  private async open(): Promise<void> {
    await migrate(this.pool);
    await this.pool.query(`DELETE FROM trace_blobs WHERE NOT committed AND touched_at < now() - interval '${LEFTOVER_AGE}'`);
  }

  async begin(id: string): Promise<RecordingWriter> {
    await this.ready;
    const pool = this.pool;
    const { rows } = await pool.query<{ blob: string }>('INSERT INTO trace_blobs DEFAULT VALUES RETURNING blob');
    const blob = rows[0].blob;
    let seq = 0;
    return chunkedWriter(id, PG_CHUNK_BYTES, {
      chunk: async (data) => {
        // One round trip: the chunk, and the blob's sign of life (leftover clean-up spares it).
        await pool.query('WITH c AS (INSERT INTO trace_chunks (blob, seq, data) VALUES ($1, $2, $3)) UPDATE trace_blobs SET touched_at = now() WHERE blob = $1', [blob, seq++, data]);
      },
      record: async (r, row) => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const inserted = await client.query(
            `INSERT INTO recordings (id, title, created_at, events, source, bytes, config, blob)
             VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) ON CONFLICT (id) DO NOTHING`,
            [id, r.title, row.createdAt, r.events, r.source, row.bytes, row.config, blob],
          );
          if (inserted.rowCount === 0) throw new DuplicateRecordingError(id);
          await client.query('UPDATE trace_blobs SET committed = TRUE WHERE blob = $1', [blob]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
      drop: async () => {
        await pool.query('DELETE FROM trace_blobs WHERE blob = $1 AND NOT committed', [blob]).catch(() => {});
      },
    });
  }

  async chunks(id: string): Promise<AsyncIterable<Uint8Array> | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<{ blob: string }>('SELECT blob FROM recordings WHERE id = $1', [id]);
    if (rows.length === 0) return undefined;
    const blob = rows[0].blob;
    const pool = this.pool;
    return (async function* () {
      for (let seq = 0; ; seq++) {
        const chunk = await pool.query<{ data: Buffer }>('SELECT data FROM trace_chunks WHERE blob = $1 AND seq = $2', [blob, seq]);
        if (chunk.rows.length === 0) return;
        yield asBytes(chunk.rows[0].data);
      }
    })();
  }

  async meta(id: string): Promise<RecordingMeta | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<MetaRow>(`SELECT ${META_COLUMNS} FROM recordings WHERE id = $1`, [id]);
    return rows.length > 0 ? toMeta(rows[0]) : undefined;
  }

  async info(id: string): Promise<{ meta: RecordingMeta; config: unknown } | undefined> {
    await this.ready;
    const { rows } = await this.pool.query<MetaRow & { config: unknown }>(`SELECT ${META_COLUMNS}, config FROM recordings WHERE id = $1`, [id]);
    return rows.length > 0 ? { meta: toMeta(rows[0]), config: rows[0].config ?? null } : undefined;
  }

  async list(limit: number, offset: number): Promise<RecordingPage> {
    await this.ready;
    const [page, count] = await Promise.all([
      this.pool.query<MetaRow>(`SELECT ${META_COLUMNS} FROM recordings ORDER BY created_at DESC, id LIMIT $1 OFFSET $2`, [limit, offset]),
      this.pool.query<{ n: string }>('SELECT COUNT(*) AS n FROM recordings'),
    ]);
    return { items: page.rows.map(toMeta), total: Number(count.rows[0].n), limit, offset };
  }

  async close(): Promise<void> {
    await this.ready.catch(() => {});
    await this.pool.end();
  }
}

/** Applies the migrations this database lacks, in order, under an advisory lock; returns how many. */
export async function migrate(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await client.query('CREATE TABLE IF NOT EXISTS lockscope_schema (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())');
    const { rows } = await client.query<{ v: number | null }>('SELECT MAX(version) AS v FROM lockscope_schema');
    const current = rows[0].v ?? 0;
    if (current > MIGRATIONS.length) throw new Error(`the database's schema is version ${current}, newer than this Lockscope's (${MIGRATIONS.length}): upgrade Lockscope`);
    for (let v = current + 1; v <= MIGRATIONS.length; v++) {
      await client.query('BEGIN');
      try {
        await client.query(MIGRATIONS[v - 1]);
        await client.query('INSERT INTO lockscope_schema (version) VALUES ($1)', [v]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    }
    return MIGRATIONS.length - current;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    client.release();
  }
}
