// Heavy work on traces (parsing uploads, converting downloads) runs in worker threads, a bounded
// number at a time: `JobQueue` admits up to `running` jobs, makes up to `queued` more wait their
// turn, and refuses the rest (the route answers 503 with Retry-After). Each client may also have
// only so many uploads and downloads in progress at once (429).
import { Worker } from 'node:worker_threads';
import type { ImportSummary } from '@lockscope/trace';
import { HttpError } from '../errors.js';
import type { FromJob, JobFailure, JobInit, ToJob } from './protocol.js';

/** Seconds a client refused for lack of room is told to wait. */
export const RETRY_AFTER_S = 5;

/** The queue is full: answer 503 with Retry-After. */
export class QueueFullError extends HttpError {
  constructor(what: string) {
    super(503, 'busy', `the server is busy with other ${what}; retry in ${RETRY_AFTER_S} s`, { retryAfterS: RETRY_AFTER_S });
  }
}

export interface JobLimits {
  /** Heavy jobs at once (worker threads). */
  running: number;
  /** Jobs waiting for a free slot; beyond this, 503. */
  queued: number;
  /** Uploads and downloads each client may have in progress at once; beyond this, 429. */
  perClient: number;
}

export class JobQueue {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly perClient = new Map<string, number>();

  constructor(readonly limits: JobLimits) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /**
   * Waits for a slot for one transfer of `client`; resolves to the function that gives it back
   * (call it exactly once, when the transfer ends however it ends).
   */
  async admit(client: string, what: 'uploads' | 'downloads'): Promise<() => void> {
    const mine = this.perClient.get(client) ?? 0;
    if (mine >= this.limits.perClient) {
      throw new HttpError(429, 'rate_limited', `at most ${this.limits.perClient} ${what} in progress per client; retry when one ends`, { retryAfterS: RETRY_AFTER_S });
    }
    if (this.active >= this.limits.running && this.waiting.length >= this.limits.queued) throw new QueueFullError(what);
    this.perClient.set(client, mine + 1);
    if (this.active >= this.limits.running) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.perClient.get(client) ?? 1) - 1;
      if (n === 0) this.perClient.delete(client);
      else this.perClient.set(client, n);
      const next = this.waiting.shift();
      if (next) next(); // the slot passes on
      else this.active--;
    };
  }
}

/** Heap of one job's thread: windows of events need little; a Chrome JSON upload is parsed whole. */
export const JOB_HEAP_MB = 1024;

/** A job failed on its input (or, for `internal`, on a bug): see JobFailure. */
export class JobError extends Error {
  constructor(readonly failure: JobFailure) {
    super(failure.message);
    this.name = 'JobError';
  }
}

/**
 * Starts the worker: the compiled JavaScript next to this file, or, when running from the
 * TypeScript sources (tests, benchmarks), worker-dev.mjs, which loads the .ts through tsx.
 */
function startWorker(init: JobInit): Worker {
  const file = import.meta.url.endsWith('.ts') ? './worker-dev.mjs' : './worker.js';
  return new Worker(new URL(file, import.meta.url), { workerData: init, resourceLimits: { maxOldGenerationSizeMb: JOB_HEAP_MB } });
}

/**
 * One job in its own worker thread. Send the input in order; each call resolves with its output,
 * in order. Calls may overlap (the next input is sent while the last output is written out), so
 * the worker and the server's thread work at the same time.
 */
export class TraceJob {
  private readonly worker: Worker;
  private readonly waiters: { resolve: (m: FromJob) => void; reject: (e: Error) => void }[] = [];
  private dead: Error | null = null;

  constructor(init: JobInit) {
    this.worker = startWorker(init);
    this.worker.on('message', (m: FromJob) => {
      if (m.type === 'error') return die(new JobError(m.failure));
      this.waiters.shift()?.resolve(m);
    });
    // After a failure the worker answers nothing more: every call still waiting fails with it.
    const die = (error: Error) => {
      this.dead ??= error;
      for (const w of this.waiters.splice(0)) w.reject(this.dead);
    };
    this.worker.on('error', (error: Error & { code?: string }) =>
      die(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? new JobError({ kind: 'too-large', message: `the trace needs more than the ${JOB_HEAP_MB} MB a job may use; upload it as Lockscope binary or NDJSON, which are read in windows` })
          : error,
      ),
    );
    this.worker.on('exit', (code) => die(new Error(`the trace job's thread exited with code ${code}`)));
  }

  /** Converts one chunk of input; resolves with the output it produced. */
  async send(bytes: Uint8Array): Promise<Uint8Array[]> {
    // A copy of its own, so that it can move to the worker (input buffers may share a pool).
    const own = new Uint8Array(bytes);
    const m = await this.call({ type: 'chunk', bytes: own }, [own]);
    return m.type === 'out' ? m.chunks : [];
  }

  /** The end of the input: the last output and, for imports, what was imported. */
  async end(): Promise<{ chunks: Uint8Array[]; summary?: ImportSummary }> {
    const m = await this.call({ type: 'end' }, []);
    if (m.type !== 'done') throw new JobError({ kind: 'internal', message: 'the trace job ended out of order' });
    return m.summary === undefined ? { chunks: m.chunks } : { chunks: m.chunks, summary: m.summary };
  }

  /** Stops the thread (idempotent); call when the job ends, however it ends. */
  stop(): void {
    this.dead ??= new Error('the trace job was stopped');
    void this.worker.terminate();
  }

  private call(message: ToJob, transfer: Uint8Array[]): Promise<FromJob> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise<FromJob>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      this.worker.postMessage(message, transfer.map((b) => b.buffer as ArrayBuffer));
    });
  }
}
