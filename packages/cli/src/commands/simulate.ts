import { createSimulation, resolveConfig } from '@lockscope/sim';
import { outputFormat, parseOptions, parsePairs } from '../args.js';
import { UsageError } from '../errors.js';
import { encodeAs, writeOutput } from '../io.js';
import { summarize } from '../summary.js';

export const usage =
  'simulate --scenario NAME [--preset NAME] [--set knob=value ...] [--param key=value ...] [--seed N] [--format summary|chrome|ndjson|binary] [--out FILE]';

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions(argv, {
    scenario: { type: 'string' },
    preset: { type: 'string' },
    set: { type: 'string', multiple: true, default: [] },
    param: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.scenario === undefined) throw new UsageError('simulate needs --scenario NAME (see `lockscope scenarios`)');
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) throw new UsageError(`--seed expects a non-negative integer, got '${values.seed}'`);
    seed = Number(values.seed);
  }
  const format = outputFormat(values.format, values.out);

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

  const data = format === 'summary' ? `${JSON.stringify(summarize(sim.trace, config), null, 2)}\n` : encodeAs(sim.trace, format);
  await writeOutput(data, values.out);
  return 0;
}
