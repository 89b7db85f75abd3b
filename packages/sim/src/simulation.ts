// createSimulation: a live, steppable run of one workload on the simulated daemon.
import { Trace } from '@lockscope/trace';
import { Daemon } from './daemon.js';
import { Engine } from './engine.js';
import { Rng } from '@lockscope/trace';
import { applyChange, type Strategy, type StrategyChange } from './strategy.js';
import { startWorkload } from './workloads.js';
import type { SimConfig } from './config.js';

export interface Simulation {
  readonly config: SimConfig;
  /** The trace, growing as the model runs. */
  readonly trace: Trace;
  /** Simulated time in ns. */
  readonly now: number;
  /** True once no event is left (every client has finished). */
  readonly done: boolean;
  readonly strategy: Strategy;
  /** Runs one engine event; false when the run is done. */
  step(): boolean;
  /** Runs every event up to simulated time `ns`. Cheap to call often (live pacing). */
  runUntil(ns: number): void;
  /** Runs to the end, or until `maxEvents` engine events have run; returns `done`. */
  runToEnd(maxEvents?: number): boolean;
  /** Changes knobs (or switches preset) from `now` on; appends a `strategy: ...` mark. */
  setStrategy(change: StrategyChange): Strategy;
}

class SimulationImpl implements Simulation {
  readonly trace: Trace;
  private readonly engine: Engine;
  private readonly daemon: Daemon;
  private finished = false;

  constructor(readonly config: SimConfig) {
    this.trace = new Trace(capacityHint(config));
    this.trace.meta = {
      source: 'sim',
      scenario: config.scenario,
      params: { ...config.params },
      preset: config.preset,
      strategy: { ...config.strategy },
      seed: config.seed,
    };
    const s = config.strategy;
    this.engine = new Engine(this.trace, s['host.cpus']);
    this.daemon = new Daemon(this.engine, { ...s }, new Rng(config.seed));
    for (let i = 1; i <= s.workers; i++) this.daemon.rpc.addWorker(`worker-${String(i).padStart(2, '0')}`, false);
    for (let i = 1; i <= s.prioWorkers; i++) this.daemon.rpc.addWorker(`prio-worker-${i}`, true);
    startWorkload(this.daemon, config.scenario, config.params);
  }

  get now(): number {
    return this.engine.now;
  }

  get done(): boolean {
    return this.finished;
  }

  get strategy(): Strategy {
    return { ...this.daemon.strategy };
  }

  step(): boolean {
    if (this.finished) return false;
    if (!this.engine.step()) this.finish();
    return !this.finished;
  }

  runUntil(ns: number): void {
    if (this.finished) return;
    this.engine.runUntil(ns);
    if (this.engine.pending === 0) this.finish();
  }

  runToEnd(maxEvents = Infinity): boolean {
    let n = 0;
    while (!this.finished && n < maxEvents) {
      if (!this.engine.step()) this.finish();
      n++;
    }
    return this.finished;
  }

  setStrategy(change: StrategyChange): Strategy {
    const { strategy, description } = applyChange(this.daemon.strategy, change);
    const old = this.daemon.strategy;
    this.daemon.strategy = strategy;
    this.daemon.strategyChanged();
    if (strategy['host.cpus'] !== old['host.cpus']) this.engine.cpusChanged(strategy['host.cpus']);
    this.resizePool(false, old.workers, strategy.workers);
    this.resizePool(true, old.prioWorkers, strategy.prioWorkers);
    this.trace.mark(this.engine.now, `strategy: ${description}`);
    return { ...strategy };
  }

  private resizePool(prio: boolean, from: number, to: number): void {
    const rpc = this.daemon.rpc;
    for (let i = from; i < to; i++) {
      const n = rpc.workers.filter((w) => w.prio === prio).length + 1;
      rpc.addWorker(prio ? `prio-worker-${n}` : `worker-${String(n).padStart(2, '0')}`, prio);
    }
    for (let i = to; i < from; i++) rpc.retireWorker(prio);
  }

  private finish(): void {
    this.finished = true;
    // Give back column space only when much of it is unused (compacting copies every event).
    if (this.trace.capacity > this.trace.length * 1.3) this.trace.compact();
  }
}

/** A first guess of the number of events, so long runs do not regrow their columns often. */
function capacityHint(config: SimConfig): number {
  const p = config.params;
  let guess = 1 << 14;
  if (config.scenario === 'fleet') {
    // Per polling round: ListAll (6 events per domain in 1.0.5) and one GetInfo (14 events, its
    // RPC dispatch and reply included) per domain, plus a lookup per domain that may walk every domain.
    const scan = p.lookupByName !== 1 ? 0 : config.strategy['list.lookup'] === 'lock-objects' ? 3 * p.domains + 12 : 12;
    guess = Math.ceil(p.durationS / p.pollIntervalS) * p.domains * (20 + scan);
  } else {
    guess = p.domains * 300;
  }
  return Math.min(1 << 21, Math.max(1 << 12, guess));
}

export function createSimulation(config: SimConfig): Simulation {
  return new SimulationImpl(config);
}
