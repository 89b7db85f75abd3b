// Replays a finished trace as a live run, at the run's pace (a recording watched "as it
// happened"; also what the run tests use, independent of the simulator).
import { Trace } from '@lockscope/trace';
import { ControlError, type RunSource } from './source.js';

export class ReplaySource implements RunSource {
  readonly kind = 'simulated' as const;
  readonly paced = true;
  readonly trace = new Trace();
  private position = 0;
  private time = 0;

  constructor(private readonly original: Trace) {
    this.trace.threads = original.threads.map((t) => ({ ...t }));
    this.trace.locks = original.locks.map((l) => ({ ...l }));
    this.trace.setLabels([...original.labels]);
    this.trace.meta = { ...original.meta };
  }

  get now(): number {
    return this.time;
  }

  get done(): boolean {
    return this.position >= this.original.length;
  }

  advance(untilNs: number, maxEvents: number): void {
    const o = this.original;
    const end = Math.min(o.length, this.position + maxEvents);
    let i = this.position;
    for (; i < end && o.time[i] <= untilNs; i++) this.trace.push(o.time[i], o.thread[i], o.kind[i] as 0, o.ref[i], o.mode[i], o.arg[i]);
    this.position = i;
    this.time = i < o.length ? Math.min(untilNs, o.time[i]) : Math.max(this.time, o.endTime);
  }

  strategy(): undefined {
    return undefined;
  }

  change(): void {
    throw new ControlError('knob', 'a replayed trace has no strategy to change');
  }

  stop(): void {}
}
