// The JSON summary `lockscope simulate` prints by default: the run's configuration and the
// statistics of @lockscope/trace, in milliseconds.
import { computeStats, type Trace } from '@lockscope/trace';
import type { SimConfig, Strategy } from '@lockscope/sim';

export interface ApiSummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
}

export interface LockClassSummary {
  acquisitions: number;
  contended: number;
  waitTotalMs: number;
  waitP95Ms: number;
  waitMaxMs: number;
  holdTotalMs: number;
  /** Wait a per-domain lock would have removed, and the acquisitions with some (see
   * @lockscope/trace's avoidable.ts). */
  avoidableWaitMs: number;
  avoidableContended: number;
}

export interface SimulationSummary {
  scenario: string;
  preset: string;
  strategy: Strategy;
  params: Record<string, number>;
  seed: number;
  events: number;
  makespanMs: number;
  apis: Record<string, ApiSummary>;
  lockClasses: Record<string, LockClassSummary>;
}

/** ns -> ms, rounded to the µs so that summaries stay readable and stable. */
export const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;

/** The statistics part of a summary, shared by `simulate` and `trace`. */
export function statsSummary(trace: Trace): Pick<SimulationSummary, 'events' | 'makespanMs' | 'apis' | 'lockClasses'> {
  const stats = computeStats(trace);
  const apis: Record<string, ApiSummary> = {};
  for (const a of stats.apiCalls) {
    apis[a.label] = { count: a.count, p50Ms: ms(a.latency.p50), p95Ms: ms(a.latency.p95), maxMs: ms(a.latency.max) };
  }
  const lockClasses: Record<string, LockClassSummary> = {};
  for (const c of stats.classes) {
    if (c.acquisitions === 0) continue;
    lockClasses[c.class] = {
      acquisitions: c.acquisitions,
      contended: c.contended,
      waitTotalMs: ms(c.wait.total),
      waitP95Ms: ms(c.wait.p95),
      waitMaxMs: ms(c.wait.max),
      holdTotalMs: ms(c.hold.total),
      avoidableWaitMs: ms(c.avoidableWait),
      avoidableContended: c.avoidableContended,
    };
  }
  return { events: trace.length, makespanMs: ms(stats.makespan), apis, lockClasses };
}

export function summarize(trace: Trace, config: SimConfig): SimulationSummary {
  return {
    scenario: config.scenario,
    preset: config.preset,
    strategy: config.strategy,
    params: config.params,
    seed: config.seed,
    ...statsSummary(trace),
  };
}
