// Runs over HTTP: create one, describe it, control it, stop it. The stream is in stream.ts.
import type { FastifyPluginAsync } from 'fastify';
import { describeRemote, remoteRun } from '../cluster/relay.js';
import type { AppContext } from '../context.js';
import { HttpError, badInput, notFound } from '../errors.js';
import { CONTROL_TYPES, ControlMessageError, applyControl, parseControl, parseSpeed } from '../runs/control.js';
import { createdRun, findRun, reserveRun, resolveRunConfig } from '../runs/http.js';
import { SimulationSource } from '../runs/sim-source.js';
import { ControlError } from '../runs/source.js';
import { WorkerSimulationSource } from '../runs/worker-sim-source.js';
import { createRunSchema, idParams, type CreateRunBody } from './schemas.js';


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
