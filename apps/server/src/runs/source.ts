// A run's source: something that appends events to a Trace over time. The simulator is one
// (it produces events when the run's clock asks for them); a traced libvirtd is another (it
// appends on its own as the daemon runs). The run manager only sees this interface.
//
// A new kind of source needs no change to runs or streams: implement RunSource (`paced: false`
// if it appends by itself; `change` may throw ControlError when it has no strategy), then, from
// a route plugin registered in app.ts, `ctx.runs.create(source, config, speed)` and answer with
// the run's id; viewers then watch it on /api/runs/:id/stream like any run.
import type { Trace } from '@lockscope/trace';
import type { RecordingSource } from '../store/recording-store.js';

import type { StrategyChange } from '@lockscope/trace/protocol';

/** A live strategy change sent by a viewer: one knob, or a whole preset. */
export type { StrategyChange };

/** A change refused by the source; `field` names the offending input (e.g. `set.list.lock`). */
export class ControlError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface RunSource {
  readonly kind: RecordingSource;
  /** The trace the source appends to; shared by every viewer of the run. */
  readonly trace: Trace;
  /** Time (ns since trace start) up to which the source has produced every event. */
  readonly now: number;
  /** True when the source will append nothing more. */
  readonly done: boolean;
  /**
   * True if the run's clock drives the source through `advance` (simulated); false if the source
   * appends in real time by itself (a traced daemon), in which case `advance` is not called.
   */
  readonly paced: boolean;
  /** Produces the events up to `untilNs`, stopping early after about `maxEvents` new events. */
  advance(untilNs: number, maxEvents: number): void;
  /** The strategy in effect (knob -> value), if the source has one. */
  strategy(): Record<string, unknown> | undefined;
  /** Applies a live change from the source's current time; throws ControlError if refused. */
  change(change: StrategyChange): void;
  /** Releases what the source holds (processes, files); it appends nothing afterwards. */
  stop(): void;
  /**
   * True if `advance` only asks for events that arrive later (from another thread): the source
   * then calls `onData` whenever it appended, and the run sends them on at once.
   */
  readonly asynchronous?: boolean;
  /** Set by the run: called after the source appended events on its own. */
  onData?: () => void;
  /** Set when the source failed; the run then ends with reason `source-error`. */
  readonly failure?: Error;
}
