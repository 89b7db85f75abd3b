// Reading and writing trace files in the formats Lockscope speaks.
import { readFile, writeFile } from 'node:fs/promises';
import { RepairLog, decodeAny, encodeTrace, formatRepairs, toChromeJson, toNdjson, validateTrace, type Trace, type TraceFormat } from '@lockscope/trace';
import { UsageError } from './errors.js';

/** The output format a file name implies: `.json` Chrome Trace JSON, `.ndjson`, anything else binary. */
export function formatFromPath(path: string): TraceFormat {
  const lower = path.toLowerCase();
  if (lower.endsWith('.ndjson')) return 'ndjson';
  if (lower.endsWith('.json')) return 'chrome';
  return 'binary';
}

export function encodeAs(trace: Trace, format: TraceFormat): Uint8Array | string {
  switch (format) {
    case 'chrome':
      return toChromeJson(trace);
    case 'ndjson':
      return toNdjson(trace);
    case 'binary':
      return encodeTrace(trace);
  }
}

/** Writes to a file, or to stdout when `path` is undefined or "-". */
export async function writeOutput(data: Uint8Array | string, path?: string): Promise<void> {
  if (path === undefined || path === '-') {
    await new Promise<void>((resolve, reject) => process.stdout.write(data, (err) => (err ? reject(err) : resolve())));
  } else {
    await writeFile(path, data);
  }
}

/**
 * Reads a trace file of any supported format (detected from its content). `strict`: a foreign
 * Chrome trace that would need repairs is an error; otherwise it is repaired and each repair
 * printed on stderr.
 */
async function readTraceFile(path: string, strict: boolean): Promise<Trace> {
  const bytes = await readFile(path);
  const repairs = new RepairLog();
  let trace: Trace;
  try {
    trace = decodeAny(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), { strict, repairs });
  } catch (error) {
    // A hostile file (nesting, sizes) is still bad input, not a bug.
    if (error instanceof RangeError) throw new UsageError(`${path}: cannot be read: ${error.message}`);
    throw error;
  }
  for (const line of formatRepairs(repairs.warnings)) process.stderr.write(`lockscope: ${path}: ${line}\n`);
  return trace;
}

/**
 * Reads a trace file and checks its invariants; an invalid trace is a UsageError naming the first
 * bad event. `strict` (validate): no repairs of foreign traces either.
 */
export async function readValidTraceFile(path: string, strict = false): Promise<Trace> {
  const trace = await readTraceFile(path, strict);
  const result = validateTrace(trace);
  if (!result.ok) throw new UsageError(`${path}: invalid trace: event ${result.index}: ${result.reason}`);
  return trace;
}
