// Streams a growing trace to a Lockscope server (`lockscope trace --live URL [--token T]`), as an
// agent on a hypervisor does: frames of @lockscope/trace's codec, numbered (`seq`), sent in order,
// one per POST. The server acknowledges each one (`acked`: the frames it holds); a frame is kept
// here until acknowledged. When the connection drops, or the server restarts or answers 5xx (a
// proxy without a backend), the agent waits (exponential backoff with jitter) and resends from
// the first unacknowledged frame: nothing lost, and the server drops a frame it already holds
// (its acknowledgement was lost), so nothing counts twice.
import { FrameEncoder, type Trace } from '@lockscope/trace';

export interface LiveOptions {
  /** The server's token (its LOCKSCOPE_TOKEN), sent as a bearer token. */
  token?: string;
  /** First wait after a failure (ms); doubles up to `maxBackoffMs`. Default 200. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Give up after failing this long without one acknowledgement (ms). Default 10 minutes. */
  giveUpMs?: number;
  /** Progress lines for humans (reconnections). */
  log?: (line: string) => void;
  /** A custom fetch (tests). */
  fetch?: typeof fetch;
}

/** The server refused the stream for good (token, run gone): retrying cannot help. */
export class LiveRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LiveRefusedError';
  }
}

interface IngestAnswer {
  acked?: number;
  events?: number;
}

export class LiveUploader {
  private readonly encoder = new FrameEncoder();
  /** Frames not yet acknowledged, from `first` on. */
  private readonly pending: { seq: number; bytes: Uint8Array; end: boolean }[] = [];
  private nextSeq = 0;
  private pump: Promise<void> | null = null;
  private failure: Error | null = null;
  private ingestUrl = '';
  runUrl = '';
  /** Frames the server acknowledged; reconnections so far. */
  acked = 0;
  reconnections = 0;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly base: string,
    private readonly options: LiveOptions = {},
  ) {
    this.fetch = options.fetch ?? fetch;
  }

  private headers(contentType: string): Record<string, string> {
    return { 'content-type': contentType, ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}) };
  }

  /** Creates the run on the server (retrying while it cannot be reached). */
  async open(config: Record<string, unknown>): Promise<void> {
    const answer = await this.retrying('create the live run', async () => {
      const res = await this.fetch(new URL('/api/ingest', this.base), { method: 'POST', headers: this.headers('application/json'), body: JSON.stringify(config) });
      if (res.status === 201) return (await res.json()) as { id: string; ingest: string };
      return this.refusal(res, 'refused the live trace');
    });
    this.ingestUrl = new URL(answer.ingest, this.base).href;
    this.runUrl = new URL(`/api/runs/${answer.id}`, this.base).href;
  }

  /** Queues the events added since the last call (and, with `end`, the end of the stream). */
  push(trace: Trace, end = false): void {
    if (this.failure) return;
    if (trace.length > this.encoder.position || end) {
      this.pending.push({ seq: this.nextSeq++, bytes: this.encoder.encode(trace), end });
    }
    this.pump ??= this.drain().finally(() => {
      this.pump = null;
    });
  }

  /** Sends the end of the stream and waits until every frame is acknowledged. */
  async close(trace: Trace): Promise<void> {
    this.push(trace, true);
    while (this.pump) await this.pump;
    if (this.failure) throw this.failure;
  }

  private async drain(): Promise<void> {
    try {
      while (this.pending.length > 0 && !this.failure) {
        const frame = this.pending[0];
        const url = `${this.ingestUrl}?seq=${frame.seq}${frame.end ? '&end=1' : ''}`;
        const answer = await this.retrying(`send frame ${frame.seq}`, async () => {
          const res = await this.fetch(url, { method: 'POST', headers: this.headers('application/octet-stream'), body: frame.bytes });
          if (res.ok) return (await res.json()) as IngestAnswer;
          if (res.status === 409) {
            const body = (await res.json().catch(() => ({}))) as IngestAnswer & { message?: string };
            // The server holds fewer frames than were acknowledged: what it acknowledged is gone.
            if (body.acked !== undefined && body.acked < frame.seq) throw new LiveRefusedError(`the server lost acknowledged frames (it holds ${body.acked}, ${frame.seq} were acknowledged)`);
            throw new LiveRefusedError(`the server ended the live run: ${body.message ?? res.status}`);
          }
          return this.refusal(res, 'refused a frame');
        });
        this.acked = Math.max(this.acked, answer.acked ?? frame.seq + 1);
        while (this.pending.length > 0 && this.pending[0].seq < this.acked) this.pending.shift();
      }
    } catch (err) {
      this.failure = err instanceof Error ? err : new Error(String(err));
    }
  }

  /** Throws LiveRefusedError for a 4xx (retrying cannot help); a plain Error (retried) otherwise. */
  private async refusal(res: Response, what: string): Promise<never> {
    const text = (await res.text().catch(() => '')).slice(0, 300);
    const message = `the server at ${this.base} ${what}: ${res.status} ${text}`;
    if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) throw new LiveRefusedError(message);
    throw new Error(message);
  }

  /** Runs `attempt` until it succeeds, waiting with backoff after network errors and 5xx. */
  private async retrying<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    const first = this.options.backoffMs ?? 200;
    const max = this.options.maxBackoffMs ?? 5000;
    const giveUp = this.options.giveUpMs ?? 600_000;
    let wait = first;
    const since = Date.now();
    for (;;) {
      try {
        return await attempt();
      } catch (err) {
        if (err instanceof LiveRefusedError) throw err;
        if (Date.now() - since > giveUp) throw new Error(`cannot ${what} for ${Math.round(giveUp / 1000)} s: ${(err as Error).message}`);
        this.reconnections++;
        this.options.log?.(`cannot ${what} (${(err as Error).message.split('\n')[0]}); retrying in ${wait} ms`);
        await new Promise((r) => setTimeout(r, wait * (0.75 + Math.random() * 0.5)));
        wait = Math.min(max, wait * 2);
      }
    }
  }
}
