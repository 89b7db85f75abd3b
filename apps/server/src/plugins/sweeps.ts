// Scalability sweeps as jobs: POST /api/sweeps starts one (every point validated first, 400
// naming the field otherwise), GET /api/sweeps/:id gives its progress and, once done, its points
// (the same as `lockscope sweep` prints). The points run on worker threads, never on the event
// loop; a few sweeps at once at most (503 beyond), the last finished ones kept for a while.
// With several instances on one PostgreSQL (`ctx.sweeps`), a sweep's points are jobs of a queue
// there instead, taken by any instance's workers, and every instance answers GET the same.
import { randomUUID } from 'node:crypto';
import { runSweep, sweepConfigs, type SweepInput, type SweepJob } from '@lockscope/cli';
import { ConfigError } from '@lockscope/sim';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';
import { MAX_QUEUED_SWEEPS } from '../cluster/sweep-queue.js';
import { HttpError, badInput, notFound } from '../errors.js';
import { nameSchema, seedSchema } from './schemas.js';

/** Most points one sweep may have, and sweeps running at once. */
export const MAX_SWEEP_POINTS = 200;
export const MAX_ACTIVE_SWEEPS = 2;
/** Finished sweeps kept for GET. */
const KEEP_FINISHED = 50;

interface SweepBody {
  scenario: string;
  params: Record<string, number[]>;
  presets: string[];
  set?: Record<string, string | number>;
  seed?: number;
}

const createSweepSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scenario', 'params', 'presets'],
  properties: {
    scenario: nameSchema,
    params: {
      type: 'object',
      maxProperties: 8,
      additionalProperties: { type: 'array', minItems: 1, maxItems: 50, items: { type: 'integer', minimum: 0, maximum: 2147483647 } },
    },
    presets: { type: 'array', minItems: 1, maxItems: 10, items: nameSchema },
    set: { type: 'object', maxProperties: 64, additionalProperties: { type: ['number', 'string'], maxLength: 100 } },
    seed: seedSchema,
  },
} as const;

const sweepIdParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' } },
} as const;

export interface SweepPluginOptions {
  /** Worker threads per sweep (default: the cores). */
  workers?: number;
}

export const sweepRoutes: FastifyPluginAsync<AppContext & SweepPluginOptions> = async (app, opts) => {
  const jobs = new Map<string, SweepJob>();
  let active = 0;

  // Sweeps count against the same budget as runs: each is many simulations.
  app.post<{ Body: SweepBody }>('/api/sweeps', { schema: { body: createSweepSchema }, config: { rateLimit: opts.rateLimit } }, async (request, reply) => {
    const body = request.body;
    const input: SweepInput = {
      scenario: body.scenario,
      params: body.params,
      presets: body.presets,
      set: Object.fromEntries(Object.entries(body.set ?? {}).map(([k, v]) => [k, String(v)])),
      seed: body.seed,
    };
    let total: number;
    try {
      total = sweepConfigs(input).configs.length;
    } catch (error) {
      if (error instanceof ConfigError) throw badInput(error.field, error.message);
      throw error;
    }
    if (total > MAX_SWEEP_POINTS) throw badInput('params', `a sweep has at most ${MAX_SWEEP_POINTS} points, this one ${total}`);
    if (opts.sweeps) {
      const id = randomUUID();
      if ((await opts.sweeps.create(id, input, total)) === 'full') {
        throw new HttpError(503, 'too_many_runs', `at most ${MAX_QUEUED_SWEEPS} sweeps wait or run at once; retry when one is done`);
      }
      return reply.code(202).send({ id, url: `/api/sweeps/${id}` });
    }
    if (active >= MAX_ACTIVE_SWEEPS) throw new HttpError(503, 'too_many_runs', `at most ${MAX_ACTIVE_SWEEPS} sweeps run at once; retry when one is done`);
    const job: SweepJob = { id: randomUUID(), status: 'running', done: 0, total };
    jobs.set(job.id, job);
    active++;
    runSweep(input, { workers: opts.workers, onProgress: (done) => (job.done = done) })
      .then((result) => {
        job.result = result;
        job.status = 'done';
      })
      .catch((error: unknown) => {
        job.status = 'failed';
        job.error = error instanceof Error ? error.message : String(error);
        request.log.error({ err: error }, 'sweep failed');
      })
      .finally(() => {
        active--;
        const finished = [...jobs.values()].filter((j) => j.status !== 'running');
        for (const old of finished.slice(0, Math.max(0, finished.length - KEEP_FINISHED))) jobs.delete(old.id);
      });
    return reply.code(202).send({ id: job.id, url: `/api/sweeps/${job.id}` });
  });

  app.get<{ Params: { id: string } }>('/api/sweeps/:id', { schema: { params: sweepIdParams } }, async (request) => {
    const job = opts.sweeps ? await opts.sweeps.get(request.params.id) : jobs.get(request.params.id);
    if (!job) throw notFound(`sweep ${request.params.id}`);
    return job;
  });
};
