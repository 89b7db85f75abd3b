// A live run over WebSocket: JSON hello/status/error messages and binary trace frames, decoded
// into the slot's growing Trace. Frames are ingested once per animation frame, not per message,
// so a burst of frames costs one derivation pass and one redraw.

import { FrameDecoder, type Trace } from '@lockscope/trace';
import type { ControlMessage } from '@lockscope/trace/protocol';

export interface LiveHandlers {
  onHello(run: Record<string, unknown>): void;
  onStatus(status: Record<string, unknown>): void;
  onError(message: string, field?: string): void;
  /** New events were decoded into the trace (called at most once per animation frame). */
  onEvents(): void;
  onClose(clean: boolean, reason: string): void;
}

export type { ControlMessage };

export class LiveConnection {
  private socket: WebSocket;
  private decoder = new FrameDecoder();
  private pending = false;
  private closedByUs = false;
  framesReceived = 0;

  constructor(
    runId: string,
    private readonly trace: Trace,
    private readonly handlers: LiveHandlers,
  ) {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    this.socket = new WebSocket(`${proto}//${location.host}/api/runs/${encodeURIComponent(runId)}/stream`);
    this.socket.binaryType = 'arraybuffer';
    this.socket.onmessage = (e: MessageEvent<string | ArrayBuffer>) => this.onMessage(e.data);
    this.socket.onclose = (e) => this.handlers.onClose(this.closedByUs || e.wasClean, e.reason);
    this.socket.onerror = () => {
      if (!this.closedByUs) this.handlers.onError('the connection to the run failed');
    };
  }

  private onMessage(data: string | ArrayBuffer): void {
    if (typeof data === 'string') {
      let msg: Record<string, unknown>;
      try {
        msg = JSON.parse(data) as Record<string, unknown>;
      } catch {
        this.handlers.onError('the server sent a message that is not JSON');
        return;
      }
      if (msg.type === 'hello') this.handlers.onHello((msg.run as Record<string, unknown>) ?? {});
      else if (msg.type === 'status') this.handlers.onStatus(msg);
      else if (msg.type === 'error') this.handlers.onError(String(msg.message ?? msg.error ?? 'error'), typeof msg.field === 'string' ? msg.field : undefined);
      return;
    }
    try {
      this.decoder.decode(new Uint8Array(data), this.trace);
      this.framesReceived++;
    } catch (error) {
      this.handlers.onError(`a trace frame could not be decoded: ${(error as Error).message}`);
      this.close();
      return;
    }
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => {
        this.pending = false;
        this.handlers.onEvents();
      });
    }
  }

  send(message: ControlMessage): boolean {
    if (this.socket.readyState !== WebSocket.OPEN) return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  close(): void {
    this.closedByUs = true;
    this.socket.close();
  }
}
