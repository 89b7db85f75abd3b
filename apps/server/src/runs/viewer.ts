// One viewer of a run: its own cursor into the run's shared trace (binary viewers: into the run's
// shared frame log), so a slow viewer only slows itself. Memory per viewer is bounded by the
// socket's high-water mark: nothing is queued for a socket that has no room.
import { FrameEncoder, NDJSON_FORMAT, NDJSON_VERSION, type Trace } from '@lockscope/trace';
import type { WebSocket } from 'ws';
import { FrameLog, MAX_EVENTS_PER_FRAME } from './frame-log.js';

export { MAX_EVENTS_PER_FRAME };

export type StreamFormat = 'binary' | 'ndjson';

/** What a viewer needs from a socket (ws's WebSocket has it). */
export type ViewerSocket = Pick<WebSocket, 'send' | 'bufferedAmount' | 'readyState' | 'close'>;

/** Stop sending while more than this many bytes wait in the socket. */
export const HIGH_WATER_BYTES = 1 << 20;

const OPEN = 1;

interface ChunkEncoder {
  encode(trace: Trace, from: number, to: number): Uint8Array | string;
}

/**
 * NDJSON over the socket (the benchmark's baseline, and handy with line tools), in the line
 * format of @lockscope/trace's ndjson.ts: a `{"type":"header",…}` line first, `{"type":"thread",…}`
 * and `{"type":"lock",…}` lines when first needed, then one `TraceEvent` per line. Every chunk
 * ends with a newline; the JSON control messages (hello, status, error) never do.
 */
class NdjsonChunkEncoder implements ChunkEncoder {
  private headerSent = false;
  private threadsSent = 0;
  private locksSent = 0;

  encode(trace: Trace, from: number, to: number): string {
    const lines: string[] = [];
    if (!this.headerSent) {
      lines.push(JSON.stringify({ type: 'header', format: NDJSON_FORMAT, version: NDJSON_VERSION, meta: trace.meta ?? {} }));
      this.headerSent = true;
    }
    for (; this.threadsSent < trace.threads.length; this.threadsSent++) lines.push(JSON.stringify({ type: 'thread', ...trace.threads[this.threadsSent] }));
    for (; this.locksSent < trace.locks.length; this.locksSent++) lines.push(JSON.stringify({ type: 'lock', ...trace.locks[this.locksSent] }));
    for (let i = from; i < to; i++) lines.push(JSON.stringify(trace.event(i)));
    return lines.join('\n') + '\n';
  }
}

export class Viewer {
  /** Index of the next event this viewer has not been sent. */
  cursor = 0;
  bytesSent = 0;
  framesSent = 0;
  /** Index of the next frame of the shared log to send. */
  private logIndex = 0;
  /** Per-viewer encoder: NDJSON, or binary without a shared log. */
  private readonly encoder: ChunkEncoder | undefined;
  private waitingForDrain = false;
  private closed = false;

  /**
   * `trace` gives the run's shared trace; `end` how many of its events may be streamed (the
   * run's cap can cut the last slice a source produced); `log`, the run's shared frames, which
   * binary viewers send instead of encoding their own.
   */
  constructor(
    readonly socket: ViewerSocket,
    private readonly trace: () => Trace,
    readonly format: StreamFormat,
    private readonly end: () => number = () => trace().length,
    private readonly log?: FrameLog,
  ) {
    this.encoder = format === 'ndjson' ? new NdjsonChunkEncoder() : log ? undefined : new FrameEncoder();
  }

  get open(): boolean {
    return !this.closed && this.socket.readyState === OPEN;
  }

  /** Sends JSON text (hello, status, error) ahead of any frame not yet encoded. */
  sendJson(message: object): void {
    if (this.open) this.socket.send(JSON.stringify(message), this.onSent);
  }

  /** Sends what the viewer has not seen yet, while the socket has room. */
  pump(): void {
    if (this.waitingForDrain) {
      if (this.socket.bufferedAmount > HIGH_WATER_BYTES / 2) return;
      this.waitingForDrain = false;
    }
    const trace = this.trace();
    const end = Math.min(trace.length, this.end());
    while (this.open && this.cursor < end) {
      if (this.socket.bufferedAmount > HIGH_WATER_BYTES) {
        this.waitingForDrain = true;
        return;
      }
      let chunk: Uint8Array | string;
      if (this.encoder) {
        const to = Math.min(end, this.cursor + MAX_EVENTS_PER_FRAME);
        chunk = this.encoder.encode(trace, this.cursor, to);
        this.cursor = to;
      } else {
        const log = this.log as FrameLog;
        if (this.logIndex >= log.length) log.extend(trace, end);
        chunk = log.frame(this.logIndex++);
        this.cursor = log.eventsBefore(this.logIndex);
      }
      this.framesSent++;
      this.bytesSent += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
      this.socket.send(chunk, { binary: typeof chunk !== 'string' }, this.onSent);
    }
  }

  /** True when this viewer is behind the trace's end. */
  get behind(): boolean {
    return this.cursor < Math.min(this.trace().length, this.end());
  }

  close(): void {
    this.closed = true;
  }

  private readonly onSent = (error?: Error): void => {
    if (error || !this.waitingForDrain) return;
    if (this.socket.bufferedAmount <= HIGH_WATER_BYTES / 2) {
      this.waitingForDrain = false;
      this.pump();
      this.onDrain?.();
    }
  };

  /** Called after the socket drained below the low-water mark (the run may produce more). */
  onDrain?: () => void;
}
