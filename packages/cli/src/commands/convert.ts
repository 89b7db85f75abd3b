import { validateTrace } from '@lockscope/trace';
import { UsageError } from '../errors.js';
import { encodeAs, formatFromPath, readTraceFile, writeOutput } from '../io.js';

export const usage = 'convert IN OUT                  convert a trace (input format detected; output from OUT\'s extension)';

export async function run(argv: string[]): Promise<number> {
  if (argv.length !== 2) throw new UsageError('usage: lockscope convert IN OUT');
  const [input, output] = argv;
  const trace = await readTraceFile(input);
  const result = validateTrace(trace);
  if (!result.ok) throw new UsageError(`${input}: invalid trace: event ${result.index}: ${result.reason}`);
  await writeOutput(encodeAs(trace, formatFromPath(output)), output);
  return 0;
}
