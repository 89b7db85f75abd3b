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
  | 'unauthorized'
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
  /** 409 to a remote tracer: the frames the server holds, from which to resend. */
  acked?: number;
}

export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: ErrorCode,
    message: string,
    readonly extra: { field?: string; index?: number; retryAfterS?: number; acked?: number } = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { error: this.code, message: this.message };
    if (this.extra.field !== undefined) body.field = this.extra.field;
    if (this.extra.index !== undefined) body.index = this.extra.index;
    if (this.extra.acked !== undefined) body.acked = this.extra.acked;
    return body;
  }
}

export const badInput = (field: string, message: string): HttpError => new HttpError(400, 'invalid_input', message, { field });
export const notFound = (what: string): HttpError => new HttpError(404, 'not_found', `${what} not found`);
