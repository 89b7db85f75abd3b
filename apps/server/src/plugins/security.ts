// Security headers on every response, and a Content-Security-Policy on every HTML page: the
// web app may load only its own scripts, styles and images (plus blob:/data: images for
// exported charts) and connect only to this server (HTTP and WebSocket).
import type { FastifyInstance, FastifyRequest } from 'fastify';

const HOST_RE = /^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** The CSP of HTML pages served to `request`. */
function htmlCsp(request: FastifyRequest): string {
  const host = request.headers.host ?? '';
  // `'self'` covers ws: to the same origin in CSP 3 browsers; older ones need the explicit origin.
  const ws = HOST_RE.test(host) ? ` ws://${host} wss://${host}` : '';
  return [
    "default-src 'self'",
    "script-src 'self'",
    // Inline style attributes are set by D3 and React; styles cannot run code.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    "font-src 'self' data:",
    `connect-src 'self'${ws}`,
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Non-HTML responses (JSON, traces) must never be rendered as a document. */
const NON_HTML_CSP = "default-src 'none'; frame-ancestors 'none'";

export function securityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('X-Content-Type-Options', 'nosniff');
    reply.header('Referrer-Policy', 'no-referrer');
    reply.header('X-Frame-Options', 'DENY');
    reply.header('Cross-Origin-Opener-Policy', 'same-origin');
    // With COOP, the page is cross-origin isolated: its trace columns can be shared with its
    // worker instead of copied (SharedArrayBuffer). It loads nothing from other origins.
    reply.header('Cross-Origin-Embedder-Policy', 'require-corp');
    reply.header('Cross-Origin-Resource-Policy', 'same-origin');
    const type = String(reply.getHeader('content-type') ?? '');
    reply.header('Content-Security-Policy', type.startsWith('text/html') ? htmlCsp(request) : NON_HTML_CSP);
    return payload;
  });
}
