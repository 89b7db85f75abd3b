// The simulator as a run's source, running in a worker thread (sim-worker.ts). The run's thread
// keeps its own copy of the trace, appended from the worker's batches, which its viewers read.
import { Worker } from 'node:worker_threads';
import { ConfigError, applyChange, type SimConfig, type Strategy } from '@lockscope/sim';
import { Trace, type EventKind } from '@lockscope/trace';
import type { FromWorker, ToWorker, WorkerInit } from './sim-protocol.js';
import { ControlError, type RunSource, type StrategyChange } from './source.js';

/**
 * Starts sim-worker: the compiled JavaScript next to this file, or, when running from the
 * TypeScript sources (tests, benchmarks), sim-worker-dev.mjs, which loads the .ts through tsx.
 */
function startWorker(init: WorkerInit): Worker {
  const file = import.meta.url.endsWith('.ts') ? './sim-worker-dev.mjs' : './sim-worker.js';
  return new Worker(new URL(file, import.meta.url), { workerData: init });
}

export class WorkerSimulationSource implements RunSource {
  readonly kind = 'simulated' as const;
  readonly paced = true;
  readonly asynchronous = true;
  readonly trace = new Trace(4096);
  onData?: () => void;
  failure: Error | undefined;
  private nowNs = 0;
  private finished = false;
  private current: Strategy;
  private readonly worker: Worker;
  private asked = { untilNs: -1, allowance: -1 };
  private stopped = false;
  private changesSent = 0;

  constructor(readonly config: SimConfig) {
    this.current = { ...config.strategy };
    this.worker = startWorker({ config });
    this.worker.on('message', (message: FromWorker) => this.receive(message));
    this.worker.on('error', (error: Error) => this.fail(error));
    this.worker.on('exit', (code) => {
      if (!this.stopped && !this.finished) this.fail(new Error(`the simulation thread exited with code ${code}`));
    });
  }

  get now(): number {
    return this.nowNs;
  }

  get done(): boolean {
    return this.finished;
  }

  advance(untilNs: number, maxEvents: number): void {
    if (this.finished || this.stopped) return;
    const allowance = this.trace.length + maxEvents;
    // Only news: the run calls this on every tick.
    if (untilNs === this.asked.untilNs && allowance === this.asked.allowance) return;
    this.asked = { untilNs, allowance };
    this.worker.postMessage({ type: 'advance', untilNs, allowance } satisfies ToWorker);
  }

  strategy(): Record<string, unknown> {
    return { ...this.current };
  }

  /** Validated here, at once (the caller answers the client); applied by the worker. */
  change(change: StrategyChange): void {
    try {
      this.current = applyChange(this.current, change).strategy;
    } catch (error) {
      if (error instanceof ConfigError) throw new ControlError(error.field, error.message);
      throw error;
    }
    this.worker.postMessage({ type: 'change', change } satisfies ToWorker);
    this.changesSent++;
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    void this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    if (this.stopped) return;
    if (message.type === 'failed') return this.fail(new Error(message.message));
    const t = this.trace;
    for (const th of message.threads) t.addThread(th.name, th.role);
    for (const l of message.locks) t.addLock(l);
    for (const label of message.labels) t.label(label);
    if (message.meta) t.meta = message.meta;
    if (message.from !== t.length) return this.fail(new Error(`simulation batch starts at event ${message.from}, the trace has ${t.length}`));
    const { time, thread, kind, ref, mode, arg } = message;
    for (let i = 0; i < time.length; i++) t.push(time[i], thread[i], kind[i] as EventKind, ref[i], mode[i], arg[i]);
    this.nowNs = message.now;
    // Until the worker has applied every change sent, the strategy validated here is the news.
    if (message.changes === this.changesSent) this.current = message.strategy;
    if (message.done) {
      this.finished = true;
      void this.worker.terminate();
    }
    this.onData?.();
  }

  private fail(error: Error): void {
    if (this.failure || this.stopped) return;
    this.failure = error;
    this.finished = true;
    void this.worker.terminate();
    this.onData?.();
  }
}
