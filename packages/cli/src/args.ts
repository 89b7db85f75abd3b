// Option values the commands share: key=value pairs, the output format, traced-run parameters.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { TraceFormat } from '@lockscope/trace';
import { TRACED_PARAMS } from '@lockscope/tracer';
import { UsageError } from './errors.js';
import { formatFromPath } from './io.js';

/** A command's options (node:util parseArgs); any positional argument is a UsageError. */
export function parseOptions<const O extends NonNullable<ParseArgsConfig['options']>>(
  argv: string[],
  options: O,
): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true }>>['values'] {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  return values;
}

/** `"a=1"` -> `["a", "1"]`; `option` names the flag in the error. */
function splitPair(pair: string, option: string): [key: string, value: string] {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`--${option} expects key=value, got '${pair}'`);
  return [pair.slice(0, eq), pair.slice(eq + 1)];
}

/** `["a=1", "b.c=x"]` -> `{a: "1", "b.c": "x"}`. */
export function parsePairs(pairs: string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const [key, value] = splitPair(pair, option);
    out[key] = value;
  }
  return out;
}

/** The JSON summary, or a trace file format. */
export type OutputFormat = 'summary' | TraceFormat;
const OUTPUT_FORMATS: readonly OutputFormat[] = ['summary', 'chrome', 'ndjson', 'binary'];

/** `--format` if given, else what `--out`'s extension implies, else the JSON summary. */
export function outputFormat(format: string | undefined, out: string | undefined): OutputFormat {
  if (format !== undefined) {
    if (!(OUTPUT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')}, got '${format}'`);
    return format as OutputFormat;
  }
  return out === undefined ? 'summary' : formatFromPath(out);
}

/** A traced workload's parameter as a number, or a UsageError naming the range a real daemon accepts. */
export function tracedParam(key: keyof typeof TRACED_PARAMS, value: string): number {
  const { min, max } = TRACED_PARAMS[key];
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) throw new UsageError(`--param ${key} must be an integer from ${min} to ${max}, got '${value}'`);
  return Number(value);
}

/** `--param` pairs of a traced run of `workload` (probeIntervalMs only for define-during-storm). */
export function parseTracedParams(pairs: string[], workload: string): Record<string, number> {
  const params: Record<string, number> = {};
  for (const pair of pairs) {
    const [key, value] = splitPair(pair, 'param');
    if ((key !== 'domains' && key !== 'probeIntervalMs') || (key === 'probeIntervalMs' && workload !== 'define-during-storm')) {
      throw new UsageError(`unknown parameter '${key}' for a traced ${workload} (known: domains${workload === 'define-during-storm' ? ', probeIntervalMs' : ''})`);
    }
    params[key] = tracedParam(key, value);
  }
  return params;
}
