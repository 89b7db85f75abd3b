import { lockOrderGraph, type LockOrderBy } from '@lockscope/trace';
import { UsageError } from '../errors.js';
import { readValidTraceFile } from '../io.js';
import { ms } from '../summary.js';
import { parseArgs } from 'node:util';

export const usage = 'lock-order FILE [--by class|lock]  lock-order graph of a trace (edges A -> B, cycles = inversion risks) as JSON';

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { by: { type: 'string', default: 'class' } } });
  if (positionals.length !== 1) throw new UsageError('usage: lockscope lock-order FILE [--by class|lock]');
  if (values.by !== 'class' && values.by !== 'lock') throw new UsageError(`--by must be class or lock, got '${values.by}'`);
  const trace = await readValidTraceFile(positionals[0]);
  const g = lockOrderGraph(trace, { by: values.by as LockOrderBy });
  const occurrence = (o: (typeof g.edges)[number]['first']) => ({
    event: o.event,
    tMs: ms(o.t),
    thread: trace.threads[o.thread]?.name ?? String(o.thread),
    outer: trace.locks[o.outer].name,
    inner: trace.locks[o.inner].name,
  });
  const out = {
    by: g.by,
    edges: g.edges.map((e) => ({ from: e.from, to: e.to, count: e.count, waitMs: ms(e.wait), first: occurrence(e.first) })),
    cycles: g.cycles.map((c) => c.nodes),
    inversions: g.cycles.map((c) => ({ cycle: c.nodes, firstOccurrences: c.occurrences.map(occurrence) })),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
