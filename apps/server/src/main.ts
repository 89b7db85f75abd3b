#!/usr/bin/env node
// Entry point: `pnpm start` from the repository root, or `node apps/server/dist/main.js`.
// Reads the configuration from the environment (see config.ts and the README), listens, and
// logs the URL. An invalid configuration exits with code 2.
import { buildApp } from './app.js';
import { ConfigError, loadConfig, type ServerConfig } from './config.js';

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

let app: ReturnType<typeof buildApp>;
try {
  app = buildApp(config);
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
app.log.info({ dataDir: config.dataDir, webDir: config.webDir, webApp: app.lockscope.web.built }, `Lockscope listening on http://${host}:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info(`${signal}: closing`);
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
