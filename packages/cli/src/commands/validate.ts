import { validateTrace } from '@lockscope/trace';
import { UsageError } from '../errors.js';
import { readTraceFile } from '../io.js';

export const usage = 'validate FILE                   check a trace file (any format) against the invariants';

export async function run(argv: string[]): Promise<number> {
  if (argv.length !== 1) throw new UsageError('usage: lockscope validate FILE');
  const trace = await readTraceFile(argv[0]);
  const result = validateTrace(trace);
  if (!result.ok) throw new UsageError(`${argv[0]}: invalid trace: event ${result.index}: ${result.reason}`);
  console.log(`${argv[0]}: valid, ${trace.length} events, ${trace.threads.length} threads, ${trace.locks.length} locks`);
  return 0;
}
