import { knobs, presets } from '@lockscope/sim';
import { UsageError } from '../errors.js';

export const usage = 'presets                         list strategy presets and every knob (JSON)';

export async function run(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`presets takes no arguments (got '${argv[0]}')`);
  console.log(JSON.stringify({ presets, knobs }, null, 2));
  return 0;
}
