#!/usr/bin/env node
// Entry point: `pnpm start` from the repository root, or `node apps/server/dist/main.js`.
// Reads the configuration from the environment (see config.ts and the README), listens, and
// logs the URL. An invalid configuration exits with code 2.
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';
import { hostname } from 'node:os';
import { RunRegistry } from './cluster/registry.js';
import { SweepQueue } from './cluster/sweep-queue.js';
import { PostgresRecordingStore } from './store/postgres-store.js';

let config: ServerConfig;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`lockscope server: invalid configuration: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}

let store: PostgresRecordingStore | undefined;
if (config.databaseUrl) {
  store = new PostgresRecordingStore(config.databaseUrl);
  try {
    await store.ready;
  } catch (error) {
    await store.close().catch(() => {});
    process.stderr.write(`lockscope server: cannot use the database at DATABASE_URL: ${(error as Error).message}\n`);
    process.exit(1);
  }
}

// Several instances on one PostgreSQL: runs are registered there, and relayed between instances.
const registry = store
  ? new RunRegistry(
      store.pool,
      config.heartbeatMs,
      (message, error) => app.log.warn({ err: error }, message),
      () => app.lockscope.runs.list().filter((r) => r.live).map((r) => r.id),
    )
  : undefined;
// ... and sweeps are jobs of a queue there, taken by any instance's workers.
const sweeps =
  store && registry && config.databaseUrl
    ? new SweepQueue(store.pool, config.databaseUrl, {
        instanceId: registry.instanceId,
        workers: config.sweepWorkers,
        expireSeconds: config.sweepExpireSeconds,
        log: (message, error) => app.log.warn({ err: error }, message),
      })
    : undefined;

let app: ReturnType<typeof buildApp>;
try {
  app = buildApp(config, { ...(store ? { store } : {}), ...(registry ? { registry } : {}), ...(sweeps ? { sweeps } : {}) });
} catch (error) {
  // Typically the data folder: not writable, or the SQLite file is not a database.
  process.stderr.write(`lockscope server: cannot start with LOCKSCOPE_DATA_DIR=${config.dataDir}: ${(error as Error).message}\n`);
  process.exit(1);
}
try {
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  app.log.error({ err: error }, 'cannot listen');
  process.stderr.write(`lockscope server: cannot listen on ${config.host}:${config.port}: ${(error as Error).message}\n`);
  process.exit(1);
}
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
const host = config.host.includes(':') ? `[${config.host}]` : config.host;
if (registry) {
  const anyHost = config.host === '0.0.0.0' || config.host === '::';
  const url = config.instanceUrl ?? `http://${anyHost ? hostname() : host}:${port}`;
  try {
    await registry.start(url);
  } catch (error) {
    process.stderr.write(`lockscope server: cannot register in the run registry: ${(error as Error).message}\n`);
    process.exit(1);
  }
  try {
    await sweeps?.start();
  } catch (error) {
    process.stderr.write(`lockscope server: cannot start the sweep queue: ${(error as Error).message}\n`);
    process.exit(1);
  }
  app.log.info({ instance: registry.instanceId, url }, 'registered in the run registry');
}
app.log.info({ dataDir: config.dataDir, store: store ? 'postgresql' : 'sqlite', webDir: config.webDir, webApp: app.lockscope.web.built }, `Lockscope listening on http://${host}:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info(`${signal}: closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
