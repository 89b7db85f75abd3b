// Server configuration, read from the environment. Every variable has a default so that
// `pnpm start` works on a fresh checkout; an invalid value stops the server with exit code 2.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServerConfig {
  /** TCP port; 0 picks a free one (tests). */
  port: number;
  host: string;
  /** Folder holding the SQLite recordings file (created if missing). */
  dataDir: string;
  /** Largest accepted trace upload, in bytes. */
  uploadLimit: number;
  /** Largest accepted body for every other route, in bytes. */
  bodyLimit: number;
  /** Built web app served at `/` (index.html for the share URLs); missing -> a placeholder page. */
  webDir: string;
  /** Runs alive at once, over all clients. */
  maxRuns: number;
  /** Events a run may hold in memory; the run ends ("done", reason event-limit) when reached. */
  maxEventsPerRun: number;
  /** Viewers of one run at once. */
  maxViewersPerRun: number;
  /** A run nobody watches is stopped after this long (ms). */
  idleGraceMs: number;
  /** A stopped or finished run is forgotten after this long (ms); recordings keep it. */
  retainMs: number;
  /** Wall-time batching interval of a run's stream (ms). */
  tickMs: number;
  /** Requests creating runs, uploads or snapshots per client and per minute. */
  rateLimitPerMinute: number;
  /** Origins (scheme://host:port) of pages allowed to open run streams besides this server's own. */
  allowedOrigins: string[];
  /**
   * Run each simulation in a worker thread, so that simulating and streaming can use two cores
   * (at the cost of a second copy of each run's events, 22 bytes per event, in the worker). Off
   * by default: on a 2-core machine, with the viewer's decoding on the other core, it measured
   * slower (0.34-0.59 M events/s at "max" against 0.89-1.14 M in the server's thread).
   */
  simThread: boolean;
  /**
   * PostgreSQL holding recordings (and the run registry of several instances), as
   * `postgres://user:password@host:port/database`; unset: the SQLite file in `dataDir`.
   */
  databaseUrl: string | undefined;
  /**
   * With DATABASE_URL: the URL other instances reach this one at (runs hosted here are relayed
   * from there); default http://<host name>:<port>.
   */
  instanceUrl: string | undefined;
  /** With DATABASE_URL: how often this instance beats in the run registry (ms); three missed beats end its runs. */
  heartbeatMs: number;
  /** With DATABASE_URL: sweep points this instance runs at once (LOCKSCOPE_SWEEP_WORKERS). */
  sweepWorkers: number;
  /** With DATABASE_URL: a sweep point unfinished after this many seconds (its instance died) runs again elsewhere. */
  sweepExpireSeconds: number;
  /** Heavy trace jobs (upload parsing, download conversion) at once, each in a worker thread. */
  maxJobs: number;
  /** Jobs that may wait for a free slot; beyond, 503 with Retry-After. */
  maxQueuedJobs: number;
  /** Uploads and downloads one client (IP address) may have in progress at once; beyond, 429. */
  maxTransfersPerClient: number;
  /** An upload that sends no bytes for this long is cut (408), in ms. */
  bodyIdleTimeoutMs: number;
  /** Longest time to receive a whole request, headers and body, in ms (Node's requestTimeout). */
  requestTimeoutMs: number;
  /** Host header values (names, with or without port) the server answers; loopback names always. */
  allowedHosts: string[];
  /** The API token (LOCKSCOPE_TOKEN), or null when authentication is off. */
  token: string | null;
  /** Recordings (GET /api/recordings/:id, /info, /r/:id) readable without the token. */
  publicLinks: boolean;
  /** Log level of the structured (pino) logs. */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const MiB = 1024 * 1024;

/** The repository root when running from apps/server/{src,dist}; undefined when installed elsewhere. */
function repoRoot(): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const root = resolve(here, '..', '..', '..');
  return existsSync(join(root, 'pnpm-workspace.yaml')) ? root : undefined;
}

export function defaultConfig(): ServerConfig {
  const root = repoRoot() ?? process.cwd();
  return {
    port: 8080,
    host: '127.0.0.1',
    dataDir: join(root, 'data'),
    uploadLimit: 256 * MiB,
    bodyLimit: 1 * MiB,
    webDir: join(root, 'apps', 'web', 'dist'),
    maxRuns: 8,
    // Below 2^22 with room for the source's last slice: the columns of a full run (22 bytes per
    // event, capacity doubling from 4096) stop at 92 MB instead of doubling once more.
    maxEventsPerRun: 4_000_000,
    maxViewersPerRun: 100,
    idleGraceMs: 30_000,
    retainMs: 10 * 60_000,
    // Batching interval: an event waits at most this long for its batch (1x delay p95 <= 100 ms).
    tickMs: 40,
    rateLimitPerMinute: 60,
    allowedOrigins: [],
    simThread: false,
    databaseUrl: undefined,
    instanceUrl: undefined,
    heartbeatMs: 5000,
    sweepWorkers: 2,
    sweepExpireSeconds: 300,
    maxJobs: 2,
    maxQueuedJobs: 8,
    maxTransfersPerClient: 4,
    bodyIdleTimeoutMs: 15_000,
    requestTimeoutMs: 300_000,
    allowedHosts: [],
    token: null,
    publicLinks: false,
    logLevel: 'info',
  };
}

function int(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `expected a whole number, got ${JSON.stringify(raw)}`);
  const value = Number(raw.trim());
  if (value < min || value > max) throw new ConfigError(name, `${value} is out of bounds [${min}, ${max}]`);
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === '1' || raw === 'true') return true;
  if (raw === '0' || raw === 'false') return false;
  throw new ConfigError(name, `expected 1 or 0, got ${JSON.stringify(raw)}`);
}

function origins(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((o) => {
    const origin = o.trim();
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      throw new ConfigError('LOCKSCOPE_ALLOWED_ORIGINS', `not an origin: ${JSON.stringify(origin)}`);
    }
    if (url.origin !== origin) throw new ConfigError('LOCKSCOPE_ALLOWED_ORIGINS', `write origins as scheme://host[:port], got ${JSON.stringify(origin)}`);
    return origin;
  });
}

function databaseUrl(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (text === undefined || text === '') return undefined;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError('DATABASE_URL', 'expected postgres://user:password@host:port/database');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new ConfigError('DATABASE_URL', `expected a postgres:// URL, got ${url.protocol}//...`);
  return text;
}

function instanceUrl(raw: string | undefined): string | undefined {
  const text = raw?.trim();
  if (text === undefined || text === '') return undefined;
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
  } catch {
    // refused below
  }
  throw new ConfigError('LOCKSCOPE_INSTANCE_URL', `expected http(s)://host:port, got ${JSON.stringify(text)}`);
}

function hosts(raw: string | undefined): string[] {
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((h) => {
    const host = h.trim().toLowerCase();
    if (!/^[a-z0-9.\-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) throw new ConfigError('LOCKSCOPE_ALLOWED_HOSTS', `not a host name: ${JSON.stringify(h.trim())}`);
    return host;
  });
}

/** Loopback addresses and names: a server bound only to these is reachable only from this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * The token rule: a server bound beyond loopback requires LOCKSCOPE_TOKEN, unless
 * LOCKSCOPE_AUTH=none says so explicitly. A token, when set, is always required.
 */
function token(env: NodeJS.ProcessEnv, host: string): string | null {
  const auth = env.LOCKSCOPE_AUTH?.trim() || 'token';
  if (auth !== 'token' && auth !== 'none') throw new ConfigError('LOCKSCOPE_AUTH', `expected token or none, got ${JSON.stringify(auth)}`);
  const value = env.LOCKSCOPE_TOKEN?.trim() || null;
  if (value !== null && value.length < 16) throw new ConfigError('LOCKSCOPE_TOKEN', 'use at least 16 characters (e.g. openssl rand -hex 32)');
  if (value !== null && !/^[\x21-\x7e]+$/.test(value)) throw new ConfigError('LOCKSCOPE_TOKEN', 'use printable ASCII without spaces');
  if (auth === 'none') return null;
  if (value === null && !isLoopbackHost(host)) {
    throw new ConfigError('LOCKSCOPE_TOKEN', `HOST=${host} is reachable from other machines: set LOCKSCOPE_TOKEN (or LOCKSCOPE_AUTH=none to run without authentication)`);
  }
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads the configuration from environment variables (see the README's server section):
 * PORT, HOST, LOCKSCOPE_DATA_DIR, LOCKSCOPE_UPLOAD_LIMIT, LOCKSCOPE_BODY_LIMIT, LOCKSCOPE_WEB_DIR,
 * LOCKSCOPE_MAX_RUNS, LOCKSCOPE_MAX_EVENTS_PER_RUN, LOCKSCOPE_MAX_VIEWERS, LOCKSCOPE_IDLE_GRACE_MS,
 * LOCKSCOPE_RATE_LIMIT, LOCKSCOPE_ALLOWED_ORIGINS, LOCKSCOPE_SIM_THREAD, LOCKSCOPE_MAX_JOBS,
 * LOCKSCOPE_MAX_QUEUED_JOBS, LOCKSCOPE_MAX_TRANSFERS_PER_CLIENT, LOCKSCOPE_BODY_IDLE_TIMEOUT_MS,
 * LOCKSCOPE_REQUEST_TIMEOUT_MS, LOCKSCOPE_ALLOWED_HOSTS, LOCKSCOPE_TOKEN, LOCKSCOPE_AUTH,
 * LOCKSCOPE_PUBLIC_LINKS, DATABASE_URL, LOCKSCOPE_INSTANCE_URL, LOCKSCOPE_HEARTBEAT_MS, LOCKSCOPE_SWEEP_WORKERS,
 * LOCKSCOPE_SWEEP_EXPIRE_S, LOCKSCOPE_LOG_LEVEL.
 * Relative folders resolve against the current directory.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const d = defaultConfig();
  const host = env.HOST?.trim() || d.host;
  if (!/^[A-Za-z0-9.:\-[\]]+$/.test(host)) throw new ConfigError('HOST', `not a host name or address: ${JSON.stringify(host)}`);
  const logLevel = env.LOCKSCOPE_LOG_LEVEL?.trim() || d.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOCKSCOPE_LOG_LEVEL', `expected one of ${LOG_LEVELS.join(', ')}`);
  }
  return {
    port: int(env, 'PORT', d.port, 0, 65535),
    host,
    dataDir: env.LOCKSCOPE_DATA_DIR?.trim() ? resolve(env.LOCKSCOPE_DATA_DIR.trim()) : d.dataDir,
    uploadLimit: int(env, 'LOCKSCOPE_UPLOAD_LIMIT', d.uploadLimit, 1024, 2 ** 31 - 1),
    bodyLimit: int(env, 'LOCKSCOPE_BODY_LIMIT', d.bodyLimit, 1024, 64 * MiB),
    webDir: env.LOCKSCOPE_WEB_DIR?.trim() ? resolve(env.LOCKSCOPE_WEB_DIR.trim()) : d.webDir,
    maxRuns: int(env, 'LOCKSCOPE_MAX_RUNS', d.maxRuns, 1, 1000),
    maxEventsPerRun: int(env, 'LOCKSCOPE_MAX_EVENTS_PER_RUN', d.maxEventsPerRun, 1000, 100_000_000),
    maxViewersPerRun: int(env, 'LOCKSCOPE_MAX_VIEWERS', d.maxViewersPerRun, 1, 10_000),
    idleGraceMs: int(env, 'LOCKSCOPE_IDLE_GRACE_MS', d.idleGraceMs, 0, 24 * 3600_000),
    retainMs: int(env, 'LOCKSCOPE_RETAIN_MS', d.retainMs, 0, 7 * 24 * 3600_000),
    tickMs: d.tickMs,
    rateLimitPerMinute: int(env, 'LOCKSCOPE_RATE_LIMIT', d.rateLimitPerMinute, 1, 1_000_000),
    allowedOrigins: origins(env.LOCKSCOPE_ALLOWED_ORIGINS),
    simThread: flag(env, 'LOCKSCOPE_SIM_THREAD', d.simThread),
    databaseUrl: databaseUrl(env.DATABASE_URL),
    instanceUrl: instanceUrl(env.LOCKSCOPE_INSTANCE_URL),
    heartbeatMs: int(env, 'LOCKSCOPE_HEARTBEAT_MS', d.heartbeatMs, 100, 600_000),
    sweepWorkers: int(env, 'LOCKSCOPE_SWEEP_WORKERS', d.sweepWorkers, 1, 64),
    sweepExpireSeconds: int(env, 'LOCKSCOPE_SWEEP_EXPIRE_S', d.sweepExpireSeconds, 2, 24 * 3600),
    maxJobs: int(env, 'LOCKSCOPE_MAX_JOBS', d.maxJobs, 1, 64),
    maxQueuedJobs: int(env, 'LOCKSCOPE_MAX_QUEUED_JOBS', d.maxQueuedJobs, 0, 10_000),
    maxTransfersPerClient: int(env, 'LOCKSCOPE_MAX_TRANSFERS_PER_CLIENT', d.maxTransfersPerClient, 1, 1000),
    bodyIdleTimeoutMs: int(env, 'LOCKSCOPE_BODY_IDLE_TIMEOUT_MS', d.bodyIdleTimeoutMs, 100, 3600_000),
    requestTimeoutMs: int(env, 'LOCKSCOPE_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 1000, 24 * 3600_000),
    allowedHosts: hosts(env.LOCKSCOPE_ALLOWED_HOSTS),
    token: token(env, host),
    publicLinks: flag(env, 'LOCKSCOPE_PUBLIC_LINKS', d.publicLinks),
    logLevel: logLevel as ServerConfig['logLevel'],
  };
}
