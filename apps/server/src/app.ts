// buildApp(config): the Fastify instance with every plugin registered; main.ts listens on it,
// tests `inject` into it.
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import { join } from 'node:path';
import type { ServerConfig } from './config.js';
import type { AppContext } from './context.js';
import { HttpError } from './errors.js';
import { JobQueue } from './jobs/jobs.js';
import { accessControl, sessionRoutes } from './plugins/access.js';
import { catalogue } from './plugins/catalogue.js';
import { errorHandling } from './plugins/errors.js';
import { health } from './plugins/health.js';
import { ingestRoutes } from './plugins/ingest.js';
import { recordingRoutes } from './plugins/recordings.js';
import { runsRoutes } from './plugins/runs.js';
import { securityHeaders } from './plugins/security.js';
import { shareRoutes } from './plugins/share.js';
import { staticRoutes } from './plugins/static.js';
import { streamRoutes } from './plugins/stream.js';
import { sweepRoutes } from './plugins/sweeps.js';
import type { RunRegistry } from './cluster/registry.js';
import type { SweepQueue } from './cluster/sweep-queue.js';
import { IngestJournal } from './runs/ingest-journal.js';
import { SharedBudgetStore } from './rate-budget.js';
import { RunManager } from './runs/manager.js';
import { IngestSource } from './runs/traced-source.js';
import type { RecordingStore } from './store/recording-store.js';
import { SqliteRecordingStore } from './store/sqlite-store.js';
import { WebApp } from './web-app.js';

export interface BuildOptions {
  /** Use this store instead of the SQLite file in `config.dataDir`. */
  store?: RecordingStore;
  /** Register runs here (several instances on one PostgreSQL); started by the caller once listening. */
  registry?: RunRegistry;
  /** Run sweeps as jobs of this PostgreSQL queue (several instances); started by the caller. */
  sweeps?: SweepQueue;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's context (configuration, store, runs, jobs), for tests and main.ts. */
    lockscope: AppContext;
  }
}

/** Re-creates, under their ids, the ingest runs an earlier server process left unfinished. */
function restoreIngestRuns(ctx: AppContext): void {
  for (const entry of ctx.ingestJournal.restore()) {
    const source = new IngestSource();
    const good = source.restore(entry.frames);
    if (good < entry.frames.length) ctx.ingestJournal.truncate(entry.id, entry.frames, good);
    try {
      ctx.runs.create(source, entry.config, 1, entry.id);
    } catch {
      ctx.ingestJournal.end(entry.id); // more unfinished runs than LOCKSCOPE_MAX_RUNS
    }
  }
}

export type LockscopeApp = FastifyInstance;

export function buildApp(config: ServerConfig, options: BuildOptions = {}): LockscopeApp {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: config.bodyLimit,
    // Unknown fields are errors (400 naming the field), not silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false, allowUnionTypes: true } },
    return503OnClosing: true,
    forceCloseConnections: true,
    // Node's limit on receiving a whole request; uploads also have an idle timeout (trace-io.ts).
    requestTimeout: config.requestTimeoutMs,
  });
  const store = options.store ?? new SqliteRecordingStore(config.dataDir);
  const ingestJournal = new IngestJournal(join(config.dataDir, 'ingest'));
  const runs = new RunManager({
    maxRuns: config.maxRuns,
    maxEvents: config.maxEventsPerRun,
    tickMs: config.tickMs,
    idleGraceMs: config.idleGraceMs,
    retainMs: config.retainMs,
    onCreate: (run) => options.registry?.created(run),
    // A server shutting down keeps its ingest runs' frames: the next start resumes them.
    onEnd: (run) => {
      options.registry?.ended(run);
      if (run.source instanceof IngestSource && run.reason !== 'shutdown') ingestJournal.end(run.id);
    },
  });
  const jobs = new JobQueue({ running: config.maxJobs, queued: config.maxQueuedJobs, perClient: config.maxTransfersPerClient });
  const rateLimitPolicy = { max: config.rateLimitPerMinute, timeWindow: 60_000, groupId: 'create' };
  const ctx: AppContext = {
    config,
    store,
    runs,
    ingestJournal,
    web: new WebApp(config.webDir),
    jobs,
    rateLimit: rateLimitPolicy,
    ...(options.registry ? { registry: options.registry } : {}),
    ...(options.sweeps ? { sweeps: options.sweeps } : {}),
  };
  restoreIngestRuns(ctx);
  app.decorate('lockscope', ctx);

  errorHandling(app, () => ctx.web.indexHtml());
  securityHeaders(app);
  accessControl(app, config);
  // Browsers post text/plain cross-site without a preflight: no route takes it.
  app.removeContentTypeParser('text/plain');
  app.register(rateLimit, {
    global: false,
    store: SharedBudgetStore,
    errorResponseBuilder: (_request, context) =>
      new HttpError(429, 'rate_limited', `too many requests: at most ${context.max} per ${context.after}; retry in ${Math.ceil(context.ttl / 1000)} s`),
  });
  app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  app.register(health, ctx);
  app.register(sessionRoutes, ctx);
  app.register(catalogue);
  app.register(runsRoutes, ctx);
  app.register(streamRoutes, ctx);
  app.register(ingestRoutes, ctx);
  app.register(recordingRoutes, ctx);
  app.register(shareRoutes, ctx);
  app.register(sweepRoutes, ctx);
  app.register(staticRoutes, ctx);

  app.addHook('onClose', async () => {
    runs.closeAll();
    await options.sweeps?.stop();
    await options.registry?.stop();
    await store.close();
  });
  return app;
}
