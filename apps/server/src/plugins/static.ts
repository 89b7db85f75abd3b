// The built web app: its files under `/`, and index.html at `/` (a placeholder page when the
// app is not built, so that a fresh server still answers).
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { AppContext } from '../context.js';

export const staticRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const sendIndex = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(ctx.web.indexHtml());
  app.get('/', sendIndex);
  app.get('/index.html', sendIndex);
  if (ctx.web.built) {
    await app.register(fastifyStatic, { root: ctx.web.dir, index: false, wildcard: true, cacheControl: true, maxAge: '1h' });
  }
};
