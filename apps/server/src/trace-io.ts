// Trace formats at the server's edge: uploads are detected from their content, decoded,
// validated and stored in the binary format; downloads convert back on request.
import { decodeAny, detectFormat, encodeTrace, toChromeJson, toNdjson, validateTrace, type Trace } from '@lockscope/trace';
import { HttpError } from './errors.js';

export type TraceFormat = 'binary' | 'ndjson' | 'chrome';

export interface DecodedUpload {
  trace: Trace;
  format: TraceFormat;
}

/**
 * Decodes and validates an uploaded trace. Unknown content -> 415; a malformed or truncated
 * file -> 400; a well-formed trace that breaks an invariant -> 422 with the first offending
 * event's index.
 */
export function decodeUpload(bytes: Uint8Array): DecodedUpload {
  let format: TraceFormat;
  try {
    format = detectFormat(bytes);
  } catch (error) {
    throw new HttpError(415, 'unsupported_media_type', `not a Lockscope binary trace, NDJSON or Chrome Trace JSON: ${(error as Error).message}`);
  }
  let trace: Trace;
  try {
    trace = decodeAny(bytes);
  } catch (error) {
    throw new HttpError(400, 'malformed_trace', `malformed ${format} trace: ${(error as Error).message}`);
  }
  const result = validateTrace(trace);
  if (!result.ok) throw new HttpError(422, 'invalid_trace', `event ${result.index}: ${result.reason}`, { index: result.index });
  return { trace, format };
}

export function toBinary(trace: Trace): Uint8Array {
  return encodeTrace(trace);
}

/** The stored binary trace converted to `format`, with its content type. */
export function exportTrace(binary: Uint8Array, format: TraceFormat): { body: Uint8Array | string; type: string } {
  if (format === 'binary') return { body: binary, type: 'application/octet-stream' };
  const trace = decodeAny(binary);
  if (format === 'ndjson') return { body: toNdjson(trace), type: 'application/x-ndjson; charset=utf-8' };
  return { body: JSON.stringify(toChromeJson(trace)), type: 'application/json; charset=utf-8' };
}
