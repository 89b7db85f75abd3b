import { UsageError } from '../errors.js';
import { encodeAs, formatFromPath, readValidTraceFile, writeOutput } from '../io.js';

export const usage = 'convert IN OUT                  convert a trace (input format detected; output from OUT\'s extension)';

export async function run(argv: string[]): Promise<number> {
  if (argv.length !== 2) throw new UsageError('usage: lockscope convert IN OUT');
  const [input, output] = argv;
  const trace = await readValidTraceFile(input);
  await writeOutput(encodeAs(trace, formatFromPath(output)), output);
  return 0;
}
