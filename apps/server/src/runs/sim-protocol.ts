// Messages between a simulation worker thread and the run's WorkerSimulationSource.
import type { SimConfig, Strategy } from '@lockscope/sim';
import type { LockInfo, ThreadInfo, Trace, TraceMeta } from '@lockscope/trace';
import type { StrategyChange } from './source.js';

export interface WorkerInit {
  config: SimConfig;
}

export type ToWorker =
  /** Produce events up to simulated time `untilNs`, and no further than event index `allowance`. */
  | { type: 'advance'; untilNs: number; allowance: number }
  /** A change already validated by the run's thread. */
  | { type: 'change'; change: StrategyChange };

/** Event columns, exactly as `Trace` stores them (the event model is defined there only). */
type EventColumns = Pick<Trace, 'time' | 'thread' | 'kind' | 'ref' | 'mode' | 'arg'>;

/** What the worker's simulation appended since the previous batch. */
export interface Batch extends EventColumns {
  type: 'batch';
  now: number;
  done: boolean;
  strategy: Strategy;
  /** Strategy changes applied so far (the run's thread knows how many it sent). */
  changes: number;
  threads: ThreadInfo[];
  locks: LockInfo[];
  labels: string[];
  meta?: TraceMeta;
  /** Index in the trace of the first event of the columns. */
  from: number;
}

export type FromWorker = Batch | { type: 'failed'; message: string };
