// Who may talk to the server (docs/security.md has the threat model). Checked on every request,
// HTTP and WebSocket upgrades alike, before any body is read:
// 1. Host allowlist: only loopback names, the address the server is bound to, and
//    LOCKSCOPE_ALLOWED_HOSTS; anything else is a DNS-rebinding page talking to a local server.
// 2. Token: when LOCKSCOPE_TOKEN is set, /api/* needs `Authorization: Bearer <token>` or the
//    session cookie that POST /api/session sets (HttpOnly, SameSite=Strict); with
//    LOCKSCOPE_PUBLIC_LINKS=1 the routes of a recording's share link stay open.
// 3. Mutations (POST, PUT, PATCH, DELETE) only from this server's pages or non-browser clients
//    (a foreign Origin, or Sec-Fetch-Site: cross-site, is refused) and only with a JSON or trace
//    body: text/plain and form posts, which browsers send cross-site without a preflight, are 415.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isLoopbackHost, type ServerConfig } from '../config.js';
import type { AppContext } from '../context.js';
import { HttpError } from '../errors.js';

export const SESSION_COOKIE = 'lockscope_session';
const MUTATING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Body types a mutation may have (besides none at all). */
const BODY_TYPES = ['application/json', 'application/octet-stream', 'application/x-ndjson'];
/** Paths open without the token: liveness, and the session route that takes it. */
const OPEN_PATHS = new Set(['/api/health', '/api/session']);

declare module 'fastify' {
  interface FastifyRequest {
    /** True when the request carries the token (or the server has none). */
    authenticated: boolean;
  }
  interface FastifyContextConfig {
    /** Part of a recording's share link: readable without the token when LOCKSCOPE_PUBLIC_LINKS=1. */
    publicLink?: boolean;
  }
}

/** The host part of a Host header, lower case, without its port. */
function hostName(host: string): string {
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) return h.slice(0, h.indexOf(']') + 1);
  return h.replace(/:\d+$/, '');
}

export function hostAllowed(host: string | undefined, config: Pick<ServerConfig, 'host' | 'allowedHosts'>): boolean {
  if (host === undefined || host === '') return false;
  const h = host.trim().toLowerCase();
  const name = hostName(h);
  if (isLoopbackHost(name)) return true;
  if (config.allowedHosts.some((a) => a === h || a === name)) return true;
  // The address the server is bound to, when it is a specific one (not a wildcard).
  const bound = config.host.toLowerCase();
  return bound !== '0.0.0.0' && bound !== '::' && bound !== '[::]' && hostName(bound.includes(':') && !bound.startsWith('[') ? `[${bound}]` : bound) === name;
}

/**
 * A page may drive the server if it comes from the server itself, from an origin listed in
 * LOCKSCOPE_ALLOWED_ORIGINS, or from a loopback origin while the server is reached on loopback
 * (the web app's development server proxies to it from another port).
 */
export function originAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  if (allowed.includes(origin)) return true;
  let originUrl: URL;
  try {
    originUrl = new URL(origin);
  } catch {
    return false;
  }
  if (host === undefined) return false;
  if (originUrl.host === host.toLowerCase()) return true;
  return isLoopbackHost(originUrl.hostname) && isLoopbackHost(hostName(host));
}

/** The session cookie's value for `token`: derived, so the token itself is not in the cookie. */
export function sessionValue(token: string): string {
  return createHmac('sha256', token).update('lockscope session v1').digest('base64url');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookie(request: FastifyRequest, name: string): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function carriesToken(request: FastifyRequest, token: string): boolean {
  const auth = request.headers.authorization;
  if (auth !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    return m !== null && same(m[1], token);
  }
  const session = cookie(request, SESSION_COOKIE);
  return session !== undefined && same(session, sessionValue(token));
}

/** The checks above, as hooks on the root instance (they cover every route). */
export function accessControl(app: FastifyInstance, config: ServerConfig): void {
  app.decorateRequest('authenticated', false);
  // WebSocket upgrades are checked in preHandler: refusing them earlier leaves @fastify/websocket
  // holding the socket (the server then never closes). They have no body to parse before.
  const isUpgrade = (request: FastifyRequest) => request.headers.upgrade !== undefined;
  app.addHook('onRequest', async (request) => {
    if (!isUpgrade(request)) check(request);
  });
  app.addHook('preHandler', async (request) => {
    if (isUpgrade(request)) check(request);
  });
  function check(request: FastifyRequest): void {
    if (!hostAllowed(request.headers.host, config)) {
      throw new HttpError(403, 'forbidden', `host ${JSON.stringify(request.headers.host ?? '')} is not served here (set LOCKSCOPE_ALLOWED_HOSTS to serve it)`);
    }
    const path = request.url.split('?')[0];
    request.authenticated = config.token === null || carriesToken(request, config.token);
    if (!request.authenticated && path.startsWith('/api/') && !OPEN_PATHS.has(path) && !(config.publicLinks && request.routeOptions.config.publicLink === true)) {
      throw new HttpError(401, 'unauthorized', 'this server needs its token: send Authorization: Bearer <token>, or sign in at /');
    }
    if (!MUTATING.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && !originAllowed(origin, request.headers.host, config.allowedOrigins)) {
      throw new HttpError(403, 'forbidden', `requests from pages of ${origin} are not accepted`);
    }
    if (origin === undefined && request.headers['sec-fetch-site'] === 'cross-site') throw new HttpError(403, 'forbidden', 'cross-site requests are not accepted');
    const type = request.headers['content-type'];
    const hasBody = request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0');
    if (type !== undefined || hasBody) {
      const mediaType = (type ?? '').split(';')[0].trim().toLowerCase();
      if (!BODY_TYPES.includes(mediaType)) {
        throw new HttpError(415, 'unsupported_media_type', `send ${BODY_TYPES.join(', ')} (got ${JSON.stringify(type ?? 'no content type')})`);
      }
    }
  }
}

/** POST /api/session {token} sets the session cookie; GET says whether one is needed; DELETE signs out. */
export const sessionRoutes: FastifyPluginAsync<AppContext> = async (app, ctx) => {
  const token = ctx.config.token;
  app.get('/api/session', async (request) => ({ auth: token === null ? 'none' : 'token', authenticated: request.authenticated, publicLinks: ctx.config.publicLinks }));

  app.post<{ Body: { token: string } }>(
    '/api/session',
    {
      schema: { body: { type: 'object', additionalProperties: false, required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 1024 } } } },
      config: { rateLimit: ctx.rateLimit },
    },
    async (request, reply) => {
      if (token === null) return reply.code(204).send();
      if (!same(request.body.token, token)) throw new HttpError(401, 'unauthorized', 'wrong token');
      const secure = request.protocol === 'https' ? '; Secure' : '';
      reply.header('Set-Cookie', `${SESSION_COOKIE}=${sessionValue(token)}; Path=/; HttpOnly; SameSite=Strict${secure}`);
      return reply.code(204).send();
    },
  );

  app.delete('/api/session', async (_request, reply) => {
    reply.header('Set-Cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`);
    return reply.code(204).send();
  });
};
