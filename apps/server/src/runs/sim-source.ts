// The simulator as a run's source: the run's clock asks it for the events up to a simulated time.
import { ConfigError, createSimulation, type SimConfig, type Simulation, type Strategy } from '@lockscope/sim';
import type { Trace } from '@lockscope/trace';
import { ControlError, type RunSource, type StrategyChange } from './source.js';

/** Simulated time covered by the first call to `runUntil` at "max" speed; adapted afterwards. */
const INITIAL_SLICE_NS = 10_000_000;
/** Longest slice: a quiet stretch of a workload must not turn into one huge call when it ends. */
const MAX_SLICE_NS = 1e9;

export class SimulationSource implements RunSource {
  readonly kind = 'simulated' as const;
  readonly paced = true;
  private readonly sim: Simulation;
  /** Simulated time per `runUntil` call, adapted so one call yields a few thousand events. */
  private sliceNs = INITIAL_SLICE_NS;

  constructor(readonly config: SimConfig) {
    this.sim = createSimulation(config);
  }

  get trace(): Trace {
    return this.sim.trace;
  }

  get now(): number {
    return this.sim.now;
  }

  get done(): boolean {
    return this.sim.done;
  }

  advance(untilNs: number, maxEvents: number): void {
    const trace = this.sim.trace;
    const start = trace.length;
    const target = Math.max(1024, maxEvents >> 3);
    // The simulator's clock is in integer ns.
    const until = Math.floor(untilNs);
    while (!this.sim.done && this.sim.now < until && trace.length - start < maxEvents) {
      const before = trace.length;
      const beforeNs = this.sim.now;
      this.sim.runUntil(Math.min(until, Math.floor(this.sim.now + this.sliceNs)));
      const produced = trace.length - before;
      if (produced === 0 && this.sim.now === beforeNs) break; // no progress possible: never spin
      if (produced > target) this.sliceNs = Math.max(1000, this.sliceNs / 2);
      else if (produced < target / 4) this.sliceNs = Math.min(MAX_SLICE_NS, this.sliceNs * 2);
    }
  }

  strategy(): Record<string, unknown> {
    return { ...this.sim.strategy };
  }

  /** The strategy in effect, as the simulator types it (`strategy()` is every source's view). */
  get currentStrategy(): Strategy {
    return this.sim.strategy;
  }

  change(change: StrategyChange): void {
    try {
      this.sim.setStrategy(change);
    } catch (error) {
      if (error instanceof ConfigError) throw new ControlError(error.field, error.message);
      throw error;
    }
  }

  stop(): void {
    // The simulation holds nothing but memory; the trace stays readable for recordings.
  }
}
