// Scalability sweeps: one simulation per point (preset x every combination of the swept
// parameters), run on a pool of worker threads (node:worker_threads) so that the points use
// every core; each worker runs whole simulations and sends back their summaries only.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { resolveConfig, type SimConfig } from '@lockscope/sim';
import type { ApiSummary, LockClassSummary } from './summary.js';

export interface SweepInput {
  scenario: string;
  /** Swept parameters: name -> the values to try, in order. */
  params: Record<string, number[]>;
  presets: string[];
  set?: Record<string, string>;
  seed?: number;
}

export interface SweepPoint {
  preset: string;
  /** The swept parameters' values at this point (the others keep their defaults). */
  params: Record<string, number>;
  set: Record<string, string>;
  seed: number;
  makespanMs: number;
  apis: Record<string, ApiSummary>;
  lockClasses: Record<string, LockClassSummary>;
  /** The dashboard link that re-runs this point (`/s?...`). */
  link: string;
}

export interface SweepResult {
  scenario: string;
  params: Record<string, number[]>;
  presets: string[];
  points: SweepPoint[];
}

/** A sweep run as a job (the server's GET /api/sweeps/:id). */
export interface SweepJob {
  id: string;
  status: 'running' | 'done' | 'failed';
  done: number;
  total: number;
  result?: SweepResult;
  error?: string;
}

/** What a worker sends back for one point. */
export type PointSummary = Pick<SweepPoint, 'makespanMs' | 'apis' | 'lockClasses'>;

export interface SweepOptions {
  /** Worker threads; 0 runs the points one after another in this thread. Default: the cores. */
  workers?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Every point's configuration, validated (a ConfigError names the first bad one). */
export function sweepConfigs(input: SweepInput): { configs: SimConfig[]; swept: Record<string, number>[] } {
  if (input.presets.length === 0) throw new Error('a sweep needs at least one preset');
  let combos: Record<string, number>[] = [{}];
  for (const [name, values] of Object.entries(input.params)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  const configs: SimConfig[] = [];
  const swept: Record<string, number>[] = [];
  for (const preset of input.presets) {
    for (const params of combos) {
      configs.push(resolveConfig({ scenario: input.scenario, preset, params, set: input.set ?? {}, seed: input.seed }));
      swept.push(params);
    }
  }
  return { configs, swept };
}

/** The dashboard link that re-runs a configuration. */
export function simLink(config: SimConfig, set: Record<string, string>, params: Record<string, number>): string {
  const q = new URLSearchParams({ scenario: config.scenario, preset: config.preset });
  for (const [k, v] of Object.entries(set)) q.set(`set.${k}`, v);
  for (const [k, v] of Object.entries(params)) q.set(`param.${k}`, String(v));
  q.set('seed', String(config.seed));
  return `/s?${q.toString()}`;
}

const workerUrl = new URL('./sweep-worker.js', import.meta.url);

/** Runs every configuration and returns the summaries in the order given. */
export async function runPoints(configs: SimConfig[], opts: SweepOptions = {}): Promise<PointSummary[]> {
  const total = configs.length;
  const results: PointSummary[] = new Array(total);
  let done = 0;
  const workers = Math.min(opts.workers ?? availableParallelism(), total);
  if (workers <= 0) {
    const { simulatePoint } = await import('./sweep-point.js');
    for (let i = 0; i < total; i++) {
      results[i] = simulatePoint(configs[i]);
      opts.onProgress?.(++done, total);
      // Let timers and I/O run between points.
      await new Promise((r) => setImmediate(r));
    }
    return results;
  }
  let next = 0;
  const pool = Array.from({ length: workers }, () => new Worker(workerUrl));
  try {
    await Promise.all(
      pool.map(
        (w) =>
          new Promise<void>((resolve, reject) => {
            const feed = (): void => {
              if (next >= total) return resolve();
              const i = next++;
              w.once('message', (msg: { ok: true; summary: PointSummary } | { ok: false; error: string }) => {
                if (!msg.ok) return reject(new Error(msg.error));
                results[i] = msg.summary;
                opts.onProgress?.(++done, total);
                feed();
              });
              w.postMessage(configs[i]);
            };
            w.once('error', reject);
            feed();
          }),
      ),
    );
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}

/** A whole sweep: validates every point first, then runs them. */
export async function runSweep(input: SweepInput, opts: SweepOptions = {}): Promise<SweepResult> {
  return sweepResult(input, await runPoints(sweepConfigs(input).configs, opts));
}

/** A sweep's result from its points' summaries (in the order of `sweepConfigs`), wherever they ran. */
export function sweepResult(input: SweepInput, summaries: PointSummary[]): SweepResult {
  const { configs, swept } = sweepConfigs(input);
  const set = input.set ?? {};
  return {
    scenario: configs[0].scenario,
    params: input.params,
    presets: input.presets,
    points: configs.map((c, i) => ({
      preset: c.preset,
      params: swept[i],
      set,
      seed: c.seed,
      ...summaries[i],
      link: simLink(c, set, swept[i]),
    })),
  };
}
