// Liveness and a few counters, for load balancers, the web app's status line and benchmarks:
// runs, heavy jobs running and queued, and the event loop's delay (p99 and max, in ms) since the
// previous /api/health answer (how long any request may have waited for the server's thread).
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

export const health: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const startedAt = Date.now();
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  app.addHook('onClose', async () => delay.disable());
  app.get('/api/health', async () => {
    const eventLoopDelayMs = { p99: Math.round(delay.percentile(99) / 1e4) / 100, max: Math.round(delay.max / 1e4) / 100 };
    delay.reset();
    return {
      status: 'ok',
      uptimeS: Math.round((Date.now() - startedAt) / 1000),
      runs: ctx.runs.size,
      jobs: { running: ctx.jobs.running, queued: ctx.jobs.queued },
      eventLoopDelayMs,
      webApp: ctx.web.built,
    };
  });
};
