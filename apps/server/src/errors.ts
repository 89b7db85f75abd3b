// Errors reach clients as `{error, message}` (+ `field` for 400s naming the offending input,
// + `index` for 422s naming the first offending event). Never a stack trace.

/** Machine-readable error codes; `message` is for humans. */
export type ErrorCode =
  | 'invalid_json'
  | 'invalid_input'
  | 'malformed_trace'
  | 'invalid_trace'
  | 'body_too_large'
  | 'unsupported_media_type'
  | 'forbidden'
  | 'not_found'
  | 'rate_limited'
  | 'too_many_runs'
  | 'too_many_viewers'
  | 'upgrade_required'
  | 'conflict'
  | 'busy'
  | 'unauthorized'
  | 'timeout'
  | 'internal';

export interface ErrorBody {
  error: ErrorCode;
  message: string;
  field?: string;
  index?: number;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; index?: number; retryAfterS?: number } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.code, message: this.message };
    if (this.extra.field !== undefined) body.field = this.extra.field;
    if (this.extra.index !== undefined) body.index = this.extra.index;
    return body;
  }
}

export const badInput = (field: string, message: string): HttpError => new HttpError(400, 'invalid_input', message, { field });
export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);
