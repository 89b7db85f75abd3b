// The same contract tests against both stores: the SQLite file and a real PostgreSQL cluster.
import Database from 'better-sqlite3';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { tempDir } from '../test-support.js';
import { postgresMissing, startPostgres, type PgCluster } from '../test-postgres.js';
import { PG_CHUNK_BYTES, PostgresRecordingStore } from './postgres-store.js';
import { CHUNK_BYTES, SqliteRecordingStore } from './sqlite-store.js';
import { describeStoreContract } from './test-store-contract.js';

describeStoreContract('SQLite', null, async () => {
  const dir = tempDir();
  return {
    store: new SqliteRecordingStore(dir),
    reopen: async () => new SqliteRecordingStore(dir),
    chunkRows: async () => {
      const db = new Database(join(dir, 'lockscope.sqlite'));
      const { n } = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM trace_chunks').get()!;
      db.close();
      return n;
    },
    chunkBytes: CHUNK_BYTES,
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

const missing = postgresMissing();
if (missing) console.warn(`skipping the PostgreSQL store tests: ${missing}`);
let cluster: PgCluster | undefined;
let databases = 0;
beforeAll(async () => {
  if (!missing) cluster = await startPostgres();
}, 60_000);
afterAll(async () => {
  await cluster?.stop();
});

describeStoreContract('PostgreSQL', missing, async () => {
  const url = await cluster!.createDatabase(`contract_${++databases}`);
  const store = new PostgresRecordingStore(url, { max: 4 });
  await store.ready;
  return {
    store,
    reopen: async () => new PostgresRecordingStore(url, { max: 2 }),
    chunkRows: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const { rows } = await client.query<{ n: string }>('SELECT COUNT(*) AS n FROM trace_chunks');
      await client.end();
      return Number(rows[0].n);
    },
    chunkBytes: PG_CHUNK_BYTES,
    dispose: async () => {},
  };
});
