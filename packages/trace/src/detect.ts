// Format detection from content, for uploads and the CLI: Lockscope binary, Lockscope NDJSON or
// Chrome Trace Event JSON. Unknown content raises UnsupportedFormatError (HTTP 415); content of
// a known format that is malformed or truncated raises TraceError (HTTP 400 / 422).
import { decodeBinaryTrace, hasBinaryMagic } from './binary.js';
import { fromChromeJson } from './chrome.js';
import { TraceError, type Trace } from './model.js';
import { NDJSON_FORMAT, fromNdjson } from './ndjson.js';
import type { RepairLog } from './repair.js';
import { assertValidTrace } from './validate.js';

export const TRACE_FORMATS = ['binary', 'ndjson', 'chrome'] as const;
export type TraceFormat = (typeof TRACE_FORMATS)[number];

/** The content is none of the formats Lockscope reads. `code` is stable for servers to map. */
export class UnsupportedFormatError extends Error {
  readonly code = 'LOCKSCOPE_UNSUPPORTED_FORMAT';
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedFormatError';
  }
}

/** Bytes detectFormat looks at (at most). */
export const SNIFF_BYTES = 4096;
const NDJSON_HEADER = new RegExp(`"format"\\s*:\\s*"${NDJSON_FORMAT}"`);

export function detectFormat(bytes: Uint8Array): TraceFormat {
  if (bytes.length === 0) throw new TraceError('empty input: no trace in it');
  if (hasBinaryMagic(bytes)) return 'binary';
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // UTF-8 BOM
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) i++;
  const first = bytes[i];
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    const head = new TextDecoder('utf-8').decode(bytes.subarray(i, Math.min(bytes.length, i + SNIFF_BYTES)));
    const nl = head.indexOf('\n');
    const firstLine = nl < 0 ? head : head.slice(0, nl);
    if (first === 0x7b && NDJSON_HEADER.test(firstLine) && /"type"\s*:\s*"header"/.test(firstLine)) return 'ndjson';
    return 'chrome';
  }
  if (bytes.length >= 4 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    throw new UnsupportedFormatError('gzip-compressed content: decompress it first (Lockscope reads binary, NDJSON and Chrome JSON traces)');
  }
  throw new UnsupportedFormatError('unrecognised content: expected a Lockscope binary trace, Lockscope NDJSON or Chrome Trace Event JSON');
}

export interface DecodeOptions {
  /** Also check the invariants (assertValidTrace); default false. */
  validate?: boolean;
  /** Chrome JSON from other recorders: refuse instead of repairing (see ChromeImportOptions). */
  strict?: boolean;
  /** Where repairs of a foreign Chrome trace are reported. */
  repairs?: RepairLog;
}

/** Decodes a trace of any format Lockscope reads; see detectFormat for the errors. */
export function decodeAny(bytes: Uint8Array, options: DecodeOptions = {}): Trace {
  return decodeWithFormat(bytes, options).trace;
}

/** decodeAny, also telling which format the content was in. */
export function decodeWithFormat(bytes: Uint8Array, options: DecodeOptions = {}): { trace: Trace; format: TraceFormat } {
  const format = detectFormat(bytes);
  const trace = format === 'binary' ? decodeBinaryTrace(bytes) : format === 'ndjson' ? fromNdjson(bytes) : fromChromeJson(bytes, { strict: options.strict, repairs: options.repairs });
  if (options.validate) assertValidTrace(trace);
  return { trace, format };
}

/** Same as decodeAny (the name docs/contracts.md uses). */
export const decodeTrace = decodeAny;
