// Helpers of the routes that create, find and describe runs (plugins/runs.ts, ingest.ts,
// recordings.ts, stream.ts, share.ts).
import { ConfigError, resolveConfig } from '@lockscope/sim';
import type { AppContext } from '../context.js';
import { HttpError, badInput, notFound } from '../errors.js';
import type { CreateRunBody } from '../plugins/schemas.js';
import { TooManyRunsError } from './manager.js';
import type { Run } from './run.js';

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

