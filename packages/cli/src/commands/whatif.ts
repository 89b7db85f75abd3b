import { computeStats, type Trace } from '@lockscope/trace';
import { extractCalls, replayCalls, resolveConfig, strategyMapper, tracedStrategy, unmodelledKnobs } from '@lockscope/sim';
import { parseArgs } from 'node:util';
import { outputFormat, parsePairs } from '../args.js';
import { UsageError } from '../errors.js';
import { encodeAs, readValidTraceFile, writeOutput } from '../io.js';
import { ms, type ApiSummary } from '../summary.js';

export const usage = 'whatif FILE --preset NAME [--set knob=value ...] [--out FILE]  replay a trace\'s calls, then under another strategy';

interface RunFigures {
  makespanMs: number;
  apis: Record<string, ApiSummary>;
}

/** The API makespan (first call's begin to last call's end) and per-API latencies. */
function figures(trace: Trace): RunFigures {
  const stats = computeStats(trace);
  const apis: Record<string, ApiSummary> = {};
  for (const a of stats.apiCalls) apis[a.label] = { count: a.count, p50Ms: ms(a.latency.p50), p95Ms: ms(a.latency.p95), maxMs: ms(a.latency.max) };
  return { makespanMs: ms(stats.apiMakespan), apis };
}

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { preset: { type: 'string' }, set: { type: 'string', multiple: true, default: [] }, out: { type: 'string' } },
  });
  if (positionals.length !== 1) throw new UsageError('usage: lockscope whatif FILE --preset NAME [--set knob=value ...]');
  if (values.preset === undefined) throw new UsageError('whatif needs --preset NAME (see `lockscope presets`)');
  const target = resolveConfig({ scenario: 'create-storm', preset: values.preset, set: parsePairs(values.set, 'set') });
  const trace = await readValidTraceFile(positionals[0]);
  const calls = extractCalls(trace);
  if (!calls.jobs.some((j) => j.api !== undefined)) throw new UsageError(`${positionals[0]}: the trace has no API call to replay`);
  const traced = tracedStrategy(trace);
  const replay = replayCalls(calls, strategyMapper(traced.strategy, traced.strategy), { replayOf: trace.meta });
  const whatif = replayCalls(calls, strategyMapper(traced.strategy, target.strategy), { replayOf: trace.meta, preset: target.preset, strategy: target.strategy });
  const t = figures(trace);
  const r = figures(replay.trace);
  const notModelled = unmodelledKnobs(traced.strategy, target.strategy);
  const out = {
    traced: { ...t, strategy: traced.strategy, strategyAssumed: traced.assumed },
    replay: { ...r, errorPct: t.makespanMs > 0 ? Math.round((10000 * (r.makespanMs - t.makespanMs)) / t.makespanMs) / 100 : 0, stuckCalls: replay.stuck },
    whatif: { preset: target.preset, strategy: target.strategy, ...figures(whatif.trace), stuckCalls: whatif.stuck, notModelled },
  };
  if (values.out !== undefined) {
    const format = outputFormat(undefined, values.out);
    await writeOutput(format === 'summary' ? '' : encodeAs(whatif.trace, format), values.out);
  }
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}
