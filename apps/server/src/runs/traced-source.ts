// Two sources of traced runs, appending in real time (not paced by the run's clock):
// - TracedWorkloadSource: this host's libvirtd, started with the preload recorder, runs a workload;
// - IngestSource: a tracer on another host streams binary frames (POST /api/runs/:id/ingest).
import { FrameDecoder, Trace, TraceError, TraceValidator } from '@lockscope/trace';
import { TraceDecoder, traceWorkload, type TracedWorkload } from '@lockscope/tracer';
import { ControlError, type RunSource } from './source.js';

/** What both traced sources share: they append by themselves and have no strategy. */
abstract class TracedSource implements RunSource {
  readonly kind = 'traced' as const;
  readonly paced = false;
  abstract readonly trace: Trace;
  abstract readonly now: number;
  abstract readonly done: boolean;
  abstract stop(): void;

  advance(): void {
    // Not called for an unpaced source: events arrive on their own.
  }

  strategy(): undefined {
    return undefined;
  }

  change(): void {
    throw new ControlError('knob', 'a traced libvirtd has no strategy to change');
  }
}

export class TracedWorkloadSource extends TracedSource {
  private readonly decoder = new TraceDecoder();
  private readonly abort = new AbortController();
  private finished = false;
  /** Why the daemon run failed, if it did: the run then ends with reason `source-error`. */
  failure: Error | undefined;

  constructor(workload: TracedWorkload, params: Record<string, number>, log?: (line: string) => void) {
    super();
    this.decoder.trace.meta = { source: 'tracer', workload, params };
    traceWorkload({ workload, params, into: this.decoder, signal: this.abort.signal, ...(log ? { log } : {}) })
      .catch((error: unknown) => {
        this.failure = error instanceof Error ? error : new Error(String(error));
        log?.(`traced run failed: ${this.failure.message}`);
      })
      .finally(() => {
        this.finished = true;
      });
  }

  get trace(): Trace {
    return this.decoder.trace;
  }

  get now(): number {
    return this.decoder.now;
  }

  get done(): boolean {
    return this.finished;
  }

  stop(): void {
    this.abort.abort();
  }
}

export class IngestSource extends TracedSource {
  readonly trace = new Trace();
  private readonly frames = new FrameDecoder();
  private readonly validator = new TraceValidator();
  private ended = false;
  /** Frames accepted so far: the sequence number the remote tracer sends next. */
  received = 0;

  get now(): number {
    return this.trace.endTime;
  }

  get done(): boolean {
    return this.ended;
  }

  /**
   * Appends the frames in `bytes` (one or more, back to back) and returns how many. A malformed
   * frame throws TraceError before anything of it is kept; an invariant broken by the new events
   * throws TraceError with the index, and the stream ends there.
   */
  ingest(bytes: Uint8Array, end: boolean): number {
    if (this.ended) throw new Error('this ingest stream has ended');
    let offset = 0;
    let count = 0;
    while (offset < bytes.length) {
      offset = this.frames.decodeAt(bytes, offset, this.trace, 'ingested frame');
      count++;
    }
    const check = this.validator.check(this.trace);
    if (!check.ok) {
      this.ended = true;
      throw new TraceError(check.reason, check.index);
    }
    this.received += count;
    if (end) this.ended = true;
    return count;
  }

  /**
   * Re-applies journalled frames (after a restart) and returns the length of the good prefix:
   * a frame torn by a crash mid-write, and what follows it, are not kept.
   */
  restore(bytes: Uint8Array): number {
    let offset = 0;
    while (offset < bytes.length) {
      let next: number;
      try {
        next = this.frames.decodeAt(bytes, offset, this.trace, 'journalled frame');
      } catch (error) {
        if (error instanceof TraceError) break;
        throw error;
      }
      offset = next;
      this.received++;
    }
    return offset;
  }

  stop(): void {
    this.ended = true;
  }
}
