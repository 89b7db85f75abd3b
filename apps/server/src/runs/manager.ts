// Keeps the runs alive in this process: creates them from a source, finds them by id, forgets
// them some time after they end, and bounds how many exist at once.
import { newId } from '../ids.js';
import { Run, type RunLimits, type Speed } from './run.js';
import type { RunSource } from './source.js';

export class TooManyRunsError extends Error {
  constructor(max: number) {
    super(`the server already holds ${max} runs; stop one or try again later`);
    this.name = 'TooManyRunsError';
  }
}

export interface RunManagerOptions extends RunLimits {
  maxRuns: number;
  /** An ended run stays readable (and recordable) this long (ms). */
  retainMs: number;
  /** Called when a run is created, and when it ends (after its last status went out). */
  onCreate?: (run: Run) => void;
  onEnd?: (run: Run) => void;
}

export class RunManager {
  private readonly runs = new Map<string, Run>();
  private readonly forgetTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly options: RunManagerOptions) {}

  get size(): number {
    return this.runs.size;
  }

  /** Makes room (forgetting the oldest ended run nobody watches) or throws TooManyRunsError. */
  reserve(): void {
    if (this.runs.size < this.options.maxRuns) return;
    for (const run of this.runs.values()) {
      if (!run.live && run.viewers.size === 0) {
        this.forget(run.id);
        return;
      }
    }
    throw new TooManyRunsError(this.options.maxRuns);
  }

  /** A new run; `id` is given only to re-create a run under its old id (an ingest run after a restart). */
  create(source: RunSource, config: Record<string, unknown>, speed: Speed, id: string = newId()): Run {
    this.reserve();
    const run = new Run(id, source, config, speed, this.options, (ended) => {
      this.options.onEnd?.(ended);
      this.scheduleForget(ended);
    });
    this.runs.set(id, run);
    this.options.onCreate?.(run);
    return run;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  list(): Run[] {
    return [...this.runs.values()];
  }

  /** Stops every run (server shutdown). */
  closeAll(): void {
    for (const run of this.runs.values()) run.stop('shutdown');
    for (const t of this.forgetTimers.values()) clearTimeout(t);
    this.forgetTimers.clear();
    this.runs.clear();
  }

  private scheduleForget(run: Run): void {
    const timer = setTimeout(() => {
      // Someone still watching keeps it until they leave and the next ended run pushes it out.
      if (run.viewers.size === 0) this.forget(run.id);
    }, this.options.retainMs);
    timer.unref?.();
    this.forgetTimers.set(run.id, timer);
  }

  private forget(id: string): void {
    const t = this.forgetTimers.get(id);
    if (t) clearTimeout(t);
    this.forgetTimers.delete(id);
    this.runs.delete(id);
  }
}
