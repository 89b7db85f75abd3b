// Liveness and a few counters, for load balancers and the web app's status line.
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

export const health: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const startedAt = Date.now();
  app.get('/api/health', async () => ({
    status: 'ok',
    uptimeS: Math.round((Date.now() - startedAt) / 1000),
    runs: ctx.runs.size,
    webApp: ctx.web.built,
  }));
};
