// Share URLs. Both serve the web app's index.html; the web app reads the URL.
// - /r/:id opens a recording.
// - /s?scenario=…&preset=…&seed=…&speed=…&param.<name>=…&set.<knob>=… carries a whole
//   simulation, validated here exactly as POST /api/runs would validate it.
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import { notFound } from '../errors.js';
import { resolveRunConfig } from '../runs/http.js';
import { idParams, nameSchema, seedSchema, speedSchema } from './schemas.js';

type ShareQuery = Record<string, string | number | undefined>;

const shareQuerySchema = {
  type: 'object',
  required: ['scenario'],
  additionalProperties: false,
  properties: {
    scenario: nameSchema,
    preset: nameSchema,
    seed: seedSchema,
    speed: speedSchema,
  },
  patternProperties: {
    '^param\\.[A-Za-z0-9_.-]{1,100}$': { type: 'string', maxLength: 100 },
    '^set\\.[A-Za-z0-9_.-]{1,100}$': { type: 'string', maxLength: 100 },
  },
} as const;

/** Splits `param.x` / `set.y` query keys into the params and knobs of a run configuration. */
function shareToRunInput(query: ShareQuery): { scenario: string; preset?: string; seed?: number; params: Record<string, string>; set: Record<string, string> } {
  const params: Record<string, string> = {};
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (key.startsWith('param.')) params[key.slice('param.'.length)] = String(value);
    else if (key.startsWith('set.')) set[key.slice('set.'.length)] = String(value);
  }
  return {
    scenario: String(query.scenario),
    ...(query.preset === undefined ? {} : { preset: String(query.preset) }),
    ...(typeof query.seed === 'number' ? { seed: query.seed } : {}),
    params,
    set,
  };
}

export const shareRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const sendIndex = (reply: FastifyReply): FastifyReply => reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(ctx.web.indexHtml());

  app.get<{ Params: { id: string } }>(
    '/r/:id',
    { schema: { params: idParams } },
    async (request, reply) => {
      if (!(await ctx.store.meta(request.params.id))) throw notFound(`recording ${request.params.id}`);
      return sendIndex(reply);
    },
  );

  app.get<{ Querystring: ShareQuery }>('/s', { schema: { querystring: shareQuerySchema } }, async (request, reply) => {
    resolveRunConfig(shareToRunInput(request.query));
    return sendIndex(reply);
  });
};
