// `lockscope trace`: runs a workload on a real libvirtd with the preload recorder (or follows a
// daemon the user started with it) and writes the trace, optionally streaming it live to a
// Lockscope server.
import { existsSync } from 'node:fs';
import type { Trace } from '@lockscope/trace';
import {
  DEFAULT_LIBRARY,
  PrerequisiteError,
  TRACED_PARAMS,
  TRACED_WORKLOADS,
  TraceFollower,
  checkPrerequisites,
  traceWorkload,
  type TraceDecoder,
  type TracedWorkload,
} from '@lockscope/tracer';
import { outputFormat, parseOptions, parseTracedParams } from '../args.js';
import { UsageError } from '../errors.js';
import { say, sayFailedClients, sayMissing } from '../report.js';
import { encodeAs, writeOutput } from '../io.js';
import { LiveUploader } from '../live.js';
import { ms, statsSummary } from '../summary.js';

export const usage =
  'trace --workload lifecycle|create-storm|define-during-storm [--param domains=N] [--param probeIntervalMs=MS] [--format summary|chrome|ndjson|binary] [--out FILE] [--live URL [--token T]] [--keep] | trace --follow PREFIX [--pid PID] [--out FILE] [--live URL [--token T]] | trace --check';

/** The JSON printed by default: what ran, and the statistics of the trace, in ms. */
function traceSummary(trace: Trace, decoder: TraceDecoder, extra: Record<string, unknown>): Record<string, unknown> {
  const { events, makespanMs, apis, lockClasses } = statsSummary(trace);
  return {
    ...extra,
    events,
    threads: trace.threads.length,
    locks: trace.locks.length,
    durationMs: ms(trace.endTime),
    makespanMs,
    apis,
    lockClasses,
    anomalies: decoder.anomalies,
    heldAtEnd: decoder.openHolds(),
  };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function follow(prefix: string, pid: number | undefined, live: LiveUploader | null): Promise<TraceFollower> {
  const follower = new TraceFollower(prefix);
  let stop = false;
  const onSignal = (): void => {
    stop = true;
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let daemonPid = pid;
  say(`following ${prefix}.events (Ctrl-C to stop)`);
  while (!stop) {
    const added = follower.poll();
    daemonPid ??= follower.decoder.pid;
    if (added > 0) live?.push(follower.decoder.trace);
    if (daemonPid !== undefined && !alive(daemonPid)) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  // After the daemon exited everything is written; after Ctrl-C, what the daemon still buffers is not.
  follower.poll(true);
  return follower;
}

export async function run(argv: string[]): Promise<number> {
  const values = parseOptions(argv, {
    workload: { type: 'string' },
    param: { type: 'string', multiple: true, default: [] },
    format: { type: 'string' },
    out: { type: 'string' },
    live: { type: 'string' },
    token: { type: 'string' },
    keep: { type: 'boolean', default: false },
    follow: { type: 'string' },
    pid: { type: 'string' },
    check: { type: 'boolean', default: false },
  });

  if (values.check) {
    const pre = checkPrerequisites();
    process.stdout.write(`${JSON.stringify(pre, null, 2)}\n`);
    return pre.ok ? 0 : 1;
  }
  if (values.workload !== undefined && values.follow !== undefined) throw new UsageError('give either --workload (start a daemon) or --follow PREFIX (a daemon you started), not both');
  if (values.workload === undefined && values.follow === undefined) throw new UsageError(`trace needs --workload NAME (one of ${TRACED_WORKLOADS.join(', ')}) or --follow PREFIX`);
  const format = outputFormat(values.format, values.out);
  let liveUrl: URL | undefined;
  if (values.live !== undefined) {
    try {
      liveUrl = new URL(values.live);
    } catch {
      throw new UsageError(`--live expects the URL of a Lockscope server (http://host:port), got '${values.live}'`);
    }
    if (liveUrl.protocol !== 'http:' && liveUrl.protocol !== 'https:') throw new UsageError(`--live expects an http(s) URL, got '${values.live}'`);
  }
  if (values.token !== undefined && liveUrl === undefined) throw new UsageError('--token goes with --live URL');
  // The token may also come from the environment, to keep it out of the process list.
  const token = values.token ?? process.env.LOCKSCOPE_TOKEN;
  let pid: number | undefined;
  if (values.pid !== undefined) {
    if (!/^\d+$/.test(values.pid)) throw new UsageError(`--pid expects a process id, got '${values.pid}'`);
    pid = Number(values.pid);
  }

  let trace: Trace;
  let decoder: TraceDecoder;
  let extra: Record<string, unknown>;
  const live = liveUrl ? new LiveUploader(liveUrl.href, { ...(token ? { token } : {}), log: say }) : null;

  if (values.follow !== undefined) {
    if (values.param.length > 0) throw new UsageError('--param applies to --workload runs only');
    if (!existsSync(`${values.follow}.events`)) throw new UsageError(`no recording at ${values.follow}.events (start libvirtd with LD_PRELOAD=${DEFAULT_LIBRARY} LOCKSCOPE_TRACE_OUT=${values.follow})`);
    await live?.open({ title: `traced libvirtd (${values.follow})` });
    if (live) say(`streaming to ${live.runUrl}`);
    const follower = await follow(values.follow, pid, live);
    decoder = follower.decoder;
    trace = decoder.trace;
    follower.close();
    extra = { follow: values.follow };
  } else {
    const workload = values.workload as string;
    if (!(TRACED_WORKLOADS as readonly string[]).includes(workload)) throw new UsageError(`--workload must be one of ${TRACED_WORKLOADS.join(', ')} on a real daemon, got '${workload}'`);
    const params = parseTracedParams(values.param, workload);
    const pre = checkPrerequisites();
    if (!pre.ok) {
      sayMissing(pre.missing);
      return 1;
    }
    await live?.open({ title: `traced ${workload}`, workload, params });
    if (live) say(`streaming to ${live.runUrl}`);
    try {
      const result = await traceWorkload({
        workload: workload as TracedWorkload,
        params,
        keep: values.keep,
        log: say,
        onEvents: live ? (t) => live.push(t) : undefined,
      });
      trace = result.trace as Trace;
      decoder = result.decoder as TraceDecoder;
      const failed = sayFailedClients(result.clients);
      extra = {
        workload,
        params: { domains: params.domains ?? TRACED_PARAMS.domains.default, ...(params.probeIntervalMs !== undefined ? { probeIntervalMs: params.probeIntervalMs } : {}) },
        workloadMs: Math.round(result.workloadMs),
        daemonCpuMs: Math.round(result.daemonCpuMs),
        workloadCpuMs: Math.round(result.workloadCpuMs),
        failedClients: failed,
        ...(values.keep ? { dir: result.dir } : {}),
      };
    } catch (err) {
      if (err instanceof PrerequisiteError) {
        say(err.message);
        return 1;
      }
      throw err;
    }
  }
  trace.meta = { ...trace.meta, ...extra };
  if (live) {
    // A live stream that broke (server gone, run stopped while nobody watched) loses nothing here:
    // the trace is still written.
    try {
      await live.close(trace);
    } catch (err) {
      say(`${(err as Error).message.split('\n')[0]}; the trace is still written`);
    }
  }
  trace.compact();
  const data = format === 'summary' ? `${JSON.stringify(traceSummary(trace, decoder, extra), null, 2)}\n` : encodeAs(trace, format);
  await writeOutput(data, values.out);
  return 0;
}
