import { UsageError } from '../errors.js';
import { readValidTraceFile } from '../io.js';

export const usage = 'validate FILE                   check a trace file (any format) against the invariants, strictly (exit 2 on the first problem)';

export async function run(argv: string[]): Promise<number> {
  if (argv.length !== 1) throw new UsageError('usage: lockscope validate FILE');
  const trace = await readValidTraceFile(argv[0], true);
  console.log(`${argv[0]}: valid, ${trace.length} events, ${trace.threads.length} threads, ${trace.locks.length} locks`);
  return 0;
}
