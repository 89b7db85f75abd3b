import { parseOptions, parsePairs } from '../args.js';
import { UsageError } from '../errors.js';
import { writeOutput } from '../io.js';
import { runSweep } from '../sweep.js';

export const usage =
  'sweep --scenario NAME --param key=v1,v2,... [--param ...] --preset A,B [--set knob=value ...] [--seed N] [--jobs N] [--out FILE]';

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions(argv, {
    scenario: { type: 'string' },
    preset: { type: 'string', multiple: true, default: [] },
    set: { type: 'string', multiple: true, default: [] },
    param: { type: 'string', multiple: true, default: [] },
    seed: { type: 'string' },
    jobs: { type: 'string' },
    out: { type: 'string' },
  });
  if (values.scenario === undefined) throw new UsageError('sweep needs --scenario NAME (see `lockscope scenarios`)');
  const presets = values.preset.flatMap((p) => p.split(',')).filter((p) => p !== '');
  if (presets.length === 0) throw new UsageError('sweep needs --preset A[,B...] (see `lockscope presets`)');
  const params: Record<string, number[]> = {};
  for (const [key, list] of Object.entries(parsePairs(values.param, 'param'))) {
    const nums = list.split(',').map((v) => {
      if (!/^\d+$/.test(v)) throw new UsageError(`--param ${key} expects comma-separated non-negative integers, got '${list}'`);
      return Number(v);
    });
    params[key] = nums;
  }
  let seed: number | undefined;
  if (values.seed !== undefined) {
    if (!/^\d+$/.test(values.seed)) throw new UsageError(`--seed expects a non-negative integer, got '${values.seed}'`);
    seed = Number(values.seed);
  }
  let workers: number | undefined;
  if (values.jobs !== undefined) {
    if (!/^\d+$/.test(values.jobs)) throw new UsageError(`--jobs expects a non-negative integer (0: no worker threads), got '${values.jobs}'`);
    workers = Number(values.jobs);
  }
  const tty = process.stderr.isTTY === true;
  const result = await runSweep(
    { scenario: values.scenario, params, presets, set: parsePairs(values.set, 'set'), seed },
    { workers, onProgress: tty ? progressBar : undefined },
  );
  if (tty) process.stderr.write('\n');
  await writeOutput(`${JSON.stringify(result, null, 2)}\n`, values.out);
  return 0;
}

function progressBar(done: number, total: number): void {
  const width = 30;
  const filled = Math.round((width * done) / total);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} points`);
}
