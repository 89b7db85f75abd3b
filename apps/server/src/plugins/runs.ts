// Runs over HTTP: create one, describe it, control it, stop it. The stream is in stream.ts.
import { ConfigError, resolveConfig } from '@lockscope/sim';
import type { FastifyPluginAsync } from 'fastify';
import { describeRemote, remoteRun } from '../cluster/relay.js';
import type { AppContext } from '../context.js';
import { HttpError, badInput, notFound } from '../errors.js';
import { ID_PATTERN } from '../ids.js';
import { CONTROL_TYPES, ControlMessageError, MAX_SPEED, applyControl, parseControl, parseSpeed } from '../runs/control.js';
import { TooManyRunsError } from '../runs/manager.js';
import type { Run } from '../runs/run.js';
import { SimulationSource } from '../runs/sim-source.js';
import { WorkerSimulationSource } from '../runs/worker-sim-source.js';
import { ControlError } from '../runs/source.js';

export interface CreateRunBody {
  scenario: string;
  params?: Record<string, number | string>;
  preset?: string;
  set?: Record<string, number | string>;
  seed?: number;
  speed?: number | 'max';
}

export const nameSchema = { type: 'string', minLength: 1, maxLength: 100 } as const;
export const titleSchema = { type: 'string', minLength: 1, maxLength: 200 } as const;
export const seedSchema = { type: 'integer', minimum: 0, maximum: 4294967295 } as const;
export const speedSchema = { anyOf: [{ type: 'number', exclusiveMinimum: 0, maximum: MAX_SPEED }, { type: 'string', const: 'max' }] } as const;

const createRunSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['scenario'],
  properties: {
    scenario: nameSchema,
    params: { type: 'object', maxProperties: 64, additionalProperties: { type: ['integer', 'string'], maxLength: 100 } },
    preset: nameSchema,
    set: { type: 'object', maxProperties: 64, additionalProperties: { type: ['number', 'string'], maxLength: 100 } },
    seed: seedSchema,
    speed: speedSchema,
  },
} as const;

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: ID_PATTERN } },
} as const;

/** Resolves a run's configuration with the simulator, turning its ConfigError into a 400 naming the field. */
export function resolveRunConfig(body: Omit<CreateRunBody, 'speed'>): ReturnType<typeof resolveConfig> {
  try {
    return resolveConfig({ scenario: body.scenario, params: body.params, preset: body.preset, set: body.set, seed: body.seed });
  } catch (error) {
    if (error instanceof ConfigError) throw badInput(error.field, error.message);
    throw error;
  }
}

/** Makes room for one more run, or answers 503: called before the run's source is started. */
export function reserveRun(ctx: AppContext): void {
  try {
    ctx.runs.reserve();
  } catch (error) {
    if (error instanceof TooManyRunsError) throw new HttpError(503, 'too_many_runs', error.message);
    throw error;
  }
}

/** The answer to a request that created a run. */
export function createdRun(run: Run): { id: string; url: string; stream: string } {
  return { id: run.id, url: `/api/runs/${run.id}`, stream: `/api/runs/${run.id}/stream` };
}

export function findRun(ctx: AppContext, id: string): Run {
  const run = ctx.runs.get(id);
  if (!run) throw notFound(`run ${id}`);
  return run;
}

export const runsRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  app.post<{ Body: CreateRunBody }>(
    '/api/runs',
    { schema: { body: createRunSchema }, config: { rateLimit: ctx.rateLimit } },
    async (request, reply) => {
      const body = request.body;
      const speed = body.speed === undefined ? 1 : parseSpeed(body.speed);
      const simConfig = resolveRunConfig(body);
      reserveRun(ctx);
      const source = ctx.config.simThread ? new WorkerSimulationSource(simConfig) : new SimulationSource(simConfig);
      const config: Record<string, unknown> = { scenario: body.scenario, params: body.params ?? {}, preset: body.preset ?? null, set: body.set ?? {}, seed: simConfig.seed };
      const run = ctx.runs.create(source, config, speed);
      request.log.info({ run: run.id, scenario: body.scenario, preset: body.preset }, 'run created');
      return reply.code(201).send(createdRun(run));
    },
  );

  app.get('/api/runs', async () => ({ runs: ctx.runs.list().map((r) => r.describe()) }));

  app.get<{ Params: { id: string } }>('/api/runs/:id', { schema: { params: idParams } }, async (request) => {
    const local = ctx.runs.get(request.params.id);
    if (local) return local.describe();
    // Hosted by another instance of the deployment: its description, relayed.
    const remote = await remoteRun(ctx, request.params.id);
    if (remote) return describeRemote(remote, ctx.config.token);
    throw notFound(`run ${request.params.id}`);
  });

  /** The stream's control messages over HTTP, for scripts: same body, same errors (as 400s). */
  // The schema checks the envelope; parseControl checks each message type exactly as on the socket.
  const controlSchema = { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: [...CONTROL_TYPES] } } } as const;
  app.post<{ Params: { id: string }; Body: unknown }>('/api/runs/:id/control', { schema: { params: idParams, body: controlSchema } }, async (request) => {
    const run = findRun(ctx, request.params.id);
    try {
      const message = parseControl(request.body);
      if (!run.live && message.type !== 'stop') throw new HttpError(409, 'conflict', `run is ${run.state}`);
      applyControl(run, message);
    } catch (error) {
      if (error instanceof ControlMessageError || error instanceof ControlError) throw badInput(error.field, error.message);
      throw error;
    }
    return run.status();
  });

  app.delete<{ Params: { id: string } }>('/api/runs/:id', { schema: { params: idParams } }, async (request) => {
    const run = findRun(ctx, request.params.id);
    run.stop('requested');
    return run.status();
  });
};
