// Messages between a simulation worker thread and the run's WorkerSimulationSource.
import type { SimConfig, StrategyChange as SimStrategyChange } from '@lockscope/sim';
import type { LockInfo, ThreadInfo, TraceMeta } from '@lockscope/trace';

export interface WorkerInit {
  config: SimConfig;
}

export type ToWorker =
  /** Produce events up to simulated time `untilNs`, and no further than event index `allowance`. */
  | { type: 'advance'; untilNs: number; allowance: number }
  | { type: 'change'; change: SimStrategyChange };

/** What the worker's simulation appended since the previous batch. */
export interface Batch {
  type: 'batch';
  now: number;
  done: boolean;
  strategy: Record<string, unknown>;
  /** Strategy changes applied so far (the run's thread knows how many it sent). */
  changes: number;
  threads: ThreadInfo[];
  locks: LockInfo[];
  labels: string[];
  meta?: TraceMeta;
  /** Index of the first event of the columns below in the trace. */
  from: number;
  time: Float64Array;
  thread: Uint32Array;
  kind: Uint8Array;
  ref: Uint32Array;
  mode: Uint8Array;
  arg: Uint32Array;
}

export type FromWorker = Batch | { type: 'failed'; message: string };
