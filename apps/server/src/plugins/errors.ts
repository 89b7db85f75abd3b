// Every error leaves as `{error, message}` (+ `field` / `index`), with the right status and
// never a stack trace. Registered on the root instance so that it covers every route.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { HttpError, type ErrorBody, type ErrorCode } from '../errors.js';

interface AjvIssue {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
  message?: string;
}

/** Turns a schema-validation issue into the dotted name of the offending input, e.g. `params.domains`. */
function fieldOf(issue: AjvIssue): string {
  const path = (issue.instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = issue.params?.missingProperty ?? issue.params?.additionalProperty ?? issue.params?.propertyName;
  if (typeof extra === 'string') path.push(extra);
  return path.join('.') || '(body)';
}

function mapFastifyError(error: FastifyError & { validation?: AjvIssue[]; validationContext?: string }): { status: number; body: ErrorBody } {
  if (error.validation && error.validation.length > 0) {
    const issue = error.validation[0];
    const field = fieldOf(issue);
    const detail = issue.keyword === 'additionalProperties' ? 'is not a known field' : (issue.message ?? 'is invalid');
    return { status: 400, body: { error: 'invalid_input', message: `${field} ${detail}`, field } };
  }
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  const codes: Record<string, ErrorCode> = {
    FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
    FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
    FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
    FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_input',
  };
  let code: ErrorCode = codes[error.code] ?? (status === 413 ? 'body_too_large' : status === 415 ? 'unsupported_media_type' : status === 429 ? 'rate_limited' : status === 404 ? 'not_found' : status >= 500 ? 'internal' : 'invalid_input');
  // The JSON parser reports malformed JSON as a SyntaxError with status 400.
  if (status === 400 && error instanceof SyntaxError) code = 'invalid_json';
  const message = status >= 500 ? 'internal server error' : error.message;
  return { status, body: { error: code, message } };
}

/**
 * A browser asking for a page (a share link, a mistyped path) rather than an API client: it gets
 * the web app's page with the same status, and the app says what went wrong with a way back.
 */
function wantsPage(request: FastifyRequest): boolean {
  return request.method === 'GET' && !request.url.startsWith('/api/') && (request.headers.accept ?? '').includes('text/html');
}

/** `page` gives the web app's index.html (4xx answers to browsers outside /api). */
export function errorHandling(app: FastifyInstance, page?: () => string): void {
  const send = (request: FastifyRequest, reply: FastifyReply, status: number, body: ErrorBody): FastifyReply => {
    if (page && status < 500 && wantsPage(request)) return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-cache').send(page());
    return reply.code(status).type('application/json; charset=utf-8').send(body);
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof HttpError) {
      if (error.statusCode >= 500 && error.statusCode !== 503) request.log.error({ err: error }, 'request failed');
      if (error.extra.retryAfterS !== undefined) reply.header('Retry-After', String(error.extra.retryAfterS));
      return send(request, reply, error.statusCode, error.toBody());
    }
    const { status, body } = mapFastifyError(error);
    if (status >= 500) request.log.error({ err: error }, 'request failed');
    else request.log.info({ status, code: body.error }, body.message);
    return send(request, reply, status, body);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    return send(request, reply, 404, { error: 'not_found', message: `no route ${request.method} ${path}` });
  });
}
