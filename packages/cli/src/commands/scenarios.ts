import { scenarios } from '@lockscope/sim';
import { UsageError } from '../errors.js';

export const usage = 'scenarios                       list workloads and their parameters (JSON)';

export async function run(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new UsageError(`scenarios takes no arguments (got '${argv[0]}')`);
  console.log(JSON.stringify(scenarios, null, 2));
  return 0;
}
