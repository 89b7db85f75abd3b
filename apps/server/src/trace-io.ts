// Trace formats at the server's edge: uploads are detected from their content, decoded,
// validated and stored in the binary format; downloads convert back on request.
import {
  UnsupportedFormatError,
  decodeAny,
  decodeWithFormat,
  toChromeJson,
  toNdjson,
  validateTrace,
  type TraceFormat,
} from '@lockscope/trace';
import { HttpError } from './errors.js';

/**
 * Decodes and validates an uploaded trace. Unknown content -> 415; an empty, malformed or
 * truncated file -> 400; a well-formed trace that breaks an invariant -> 422 with the first
 * offending event's index.
 */
export function decodeUpload(bytes: Uint8Array): ReturnType<typeof decodeWithFormat> {
  let decoded: ReturnType<typeof decodeWithFormat>;
  try {
    decoded = decodeWithFormat(bytes);
  } catch (error) {
    if (error instanceof UnsupportedFormatError) throw new HttpError(415, 'unsupported_media_type', error.message);
    throw new HttpError(400, 'malformed_trace', `malformed trace: ${(error as Error).message}`);
  }
  const result = validateTrace(decoded.trace);
  if (!result.ok) throw new HttpError(422, 'invalid_trace', `event ${result.index}: ${result.reason}`, { index: result.index });
  return decoded;
}

/** The stored binary trace converted to `format`, with its content type. */
export function exportTrace(binary: Uint8Array, format: TraceFormat): { body: Uint8Array | string; type: string } {
  if (format === 'binary') return { body: binary, type: 'application/octet-stream' };
  const trace = decodeAny(binary);
  if (format === 'ndjson') return { body: toNdjson(trace), type: 'application/x-ndjson; charset=utf-8' };
  return { body: toChromeJson(trace), type: 'application/json; charset=utf-8' };
}
