import { parseArgs } from 'node:util';
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { UsageError } from '../errors.js';
import { encodeAs, formatFromPath, writeOutput, type TraceFileFormat } from '../io.js';
import { summarize } from '../summary.js';

export const usage =
  'simulate --scenario NAME [--preset NAME] [--set knob=value ...] [--param key=value ...] [--seed N] [--format summary|chrome|ndjson|binary] [--out FILE]';

const FORMATS = ['summary', 'chrome', 'ndjson', 'binary'] as const;
type OutputFormat = (typeof FORMATS)[number];

/** `["a=1", "b.c=x"]` -> `{a: "1", "b.c": "x"}`. */
export function parsePairs(pairs: string[], option: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${option} expects key=value, got '${pair}'`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scenario: { type: 'string' },
      preset: { type: 'string' },
      set: { type: 'string', multiple: true, default: [] },
      param: { type: 'string', multiple: true, default: [] },
      seed: { type: 'string' },
      format: { type: 'string' },
      out: { type: 'string' },
    },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
  if (values.scenario === undefined) throw new UsageError('simulate needs --scenario NAME (see `lockscope scenarios`)');
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) throw new UsageError(`--seed expects a non-negative integer, got '${values.seed}'`);
    seed = Number(values.seed);
  }
  let format: OutputFormat;
  if (values.format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(values.format)) {
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')}, got '${values.format}'`);
    }
    format = values.format as OutputFormat;
  } else {
    format = values.out === undefined ? 'summary' : formatFromPath(values.out);
  }

  const config = resolveConfig({
    scenario: values.scenario,
    preset: values.preset,
    set: parsePairs(values.set, 'set'),
    params: parsePairs(values.param, 'param'),
    seed,
  });
  const sim = createSimulation(config);
  sim.runToEnd();
  sim.trace.compact();

  const data = format === 'summary' ? `${JSON.stringify(summarize(sim.trace, config), null, 2)}\n` : encodeAs(sim.trace, format as TraceFileFormat);
  await writeOutput(data, values.out);
  return 0;
}
