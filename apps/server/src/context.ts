// What every route plugin receives: the configuration and the server's long-lived parts.
import type { ServerConfig } from './config.js';
import type { RunRegistry } from './cluster/registry.js';
import type { SweepQueue } from './cluster/sweep-queue.js';
import type { JobQueue } from './jobs/jobs.js';
import type { IngestJournal } from './runs/ingest-journal.js';
import type { RunManager } from './runs/manager.js';
import type { RecordingStore } from './store/recording-store.js';
import type { WebApp } from './web-app.js';

/**
 * The one rate-limit policy: every request that creates something (runs, uploads, snapshots,
 * ingest runs) counts against one budget per client, LOCKSCOPE_RATE_LIMIT per minute.
 */
export interface RateLimitPolicy {
  max: number;
  timeWindow: number;
  groupId: string;
}

export interface AppContext {
  config: ServerConfig;
  store: RecordingStore;
  runs: RunManager;
  /** Frames of unfinished ingest runs, kept across restarts. */
  ingestJournal: IngestJournal;
  /** With several instances on one PostgreSQL: which instance hosts which run. */
  registry?: RunRegistry;
  /** With several instances on one PostgreSQL: sweeps as jobs any instance's workers take. */
  sweeps?: SweepQueue;
  web: WebApp;
  jobs: JobQueue;
  rateLimit: RateLimitPolicy;
}
