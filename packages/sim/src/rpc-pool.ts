// libvirtd's RPC side (virnetserver.c, virthreadpool.c): client connections and the worker pool
// that runs their calls. The engine reaches it only through the CallServer interface: a client
// process yields `call(req)`, the pool runs `req.run()` on a worker thread inside an `api` span
// and resumes the client with the call's result.
//
// - Workers: normal workers take the head of one FIFO queue; priority workers take only the first
//   high-priority call (virThreadPoolWorker).
// - Connections: each has at most max_client_requests (5) calls in the daemon; beyond that the
//   daemon stops reading the connection's socket and the calls wait on the client side.
// - 1.0.5: the main event loop does all client I/O, so a call is read off its connection only
//   while that thread is idle (the I/O gate).
// - A worker decodes and dispatches each call before the driver's code, and encodes and writes
//   the reply after it (`rpcDispatch`, `rpcReply` in the cost table).
import type { Costs } from './costs.js';
import type { CallServer, Engine, Gen, Process, SerialThread, Step } from './engine.js';
import { callStep } from './engine.js';

/** max_client_requests: calls of one connection that the daemon processes at once. */
export const MAX_CLIENT_REQUESTS = 5;

/** A client's connection to the daemon. */
export interface Connection {
  name: string;
  inFlight: number;
  /** Calls read off the socket only once an earlier one finishes. */
  readonly waiting: CallRequest[];
}

/** What a client asks the daemon to run. `run` is the API's body, run on a worker thread. */
export interface CallRequest {
  api: string;
  subject: string | undefined;
  /** High-priority procedures may also use the priority workers. */
  prio: boolean;
  run: () => Gen<number>;
  /** The connection it goes over; null: a connection of its own. */
  connection: Connection | null;
  client: Process | null;
  result: number;
  /** A `queue` span is open on the client thread for this call. */
  queued: boolean;
}

export interface Worker {
  thread: number;
  prio: boolean;
  busy: boolean;
  retired: boolean;
}

/** An RPC call over `connection` (null: a connection of its own): the client waits for the
 * daemon to read it and for a worker, then for the call's result. */
export function call(req: CallRequest, connection: Connection | null = null): Step {
  req.connection = connection;
  return callStep(req);
}

export class RpcPool implements CallServer {
  readonly workers: Worker[] = [];
  private callQueue: CallRequest[] = [];
  private ioGate: SerialThread | null = null;
  private gated: CallRequest[] = [];
  /** The call each busy worker's process runs. */
  private readonly running = new Map<Process, { req: CallRequest; worker: Worker }>();

  constructor(
    private readonly engine: Engine,
    private readonly costs: Costs,
  ) {
    engine.server = this;
  }

  newConnection(name: string): Connection {
    return { name, inFlight: 0, waiting: [] };
  }

  addWorker(name: string, prio: boolean): Worker {
    const w: Worker = { thread: this.engine.trace.addThread(name, prio ? 'priority-worker' : 'worker'), prio, busy: false, retired: false };
    this.workers.push(w);
    // A new worker picks up queued calls straight away.
    this.dispatchTo(w);
    return w;
  }

  /** Retires the last worker of the kind that still takes calls: it stops after its current one. */
  retireWorker(prio: boolean): void {
    for (let i = this.workers.length - 1; i >= 0; i--) {
      const w = this.workers[i];
      if (w.prio === prio && !w.retired) {
        w.retired = true;
        return;
      }
    }
  }

  /** 1.0.5: calls are read off their connections only while `gate` (the event loop) is idle. */
  setIoGate(gate: SerialThread | null): void {
    if (this.ioGate !== null) this.ioGate.onIdle = null;
    this.ioGate = gate;
    if (gate !== null) gate.onIdle = () => this.flushGated();
    if (gate === null || !gate.busy) this.flushGated();
  }

  get queuedCalls(): number {
    return this.callQueue.length;
  }

  submit(client: Process, request: unknown): void {
    const req = request as CallRequest;
    req.client = client;
    req.queued = false;
    const c = req.connection;
    if (c !== null && c.inFlight >= MAX_CLIENT_REQUESTS) {
      c.waiting.push(req);
      this.openQueueSpan(req);
      return;
    }
    if (c !== null) c.inFlight++;
    this.read(req);
  }

  /** The call is read off its connection (through the event loop in 1.0.5). */
  private read(req: CallRequest): void {
    if (this.ioGate !== null && this.ioGate.busy) {
      this.gated.push(req);
      this.openQueueSpan(req);
      return;
    }
    this.dispatchNew(req);
  }

  private flushGated(): void {
    if (this.gated.length === 0) return;
    const calls = this.gated;
    this.gated = [];
    for (const req of calls) this.dispatchNew(req);
  }

  private openQueueSpan(req: CallRequest): void {
    if (req.queued) return;
    req.queued = true;
    this.engine.trace.beginSpan(this.engine.now, (req.client as Process).thread, 'queue', req.api, req.subject);
  }

  private closeQueueSpan(req: CallRequest): void {
    if (!req.queued) return;
    req.queued = false;
    this.engine.trace.endSpan(this.engine.now, (req.client as Process).thread);
  }

  private dispatchNew(req: CallRequest): void {
    let chosen: Worker | null = null;
    for (const w of this.workers) {
      if (!w.busy && !w.retired && !w.prio) {
        chosen = w;
        break;
      }
    }
    if (chosen === null && req.prio) {
      for (const w of this.workers) {
        if (!w.busy && !w.retired && w.prio) {
          chosen = w;
          break;
        }
      }
    }
    if (chosen !== null) {
      this.closeQueueSpan(req);
      this.startCall(chosen, req);
      return;
    }
    this.callQueue.push(req);
    this.openQueueSpan(req);
  }

  /** virNetServerProgramDispatch: decode and dispatch the call, run the driver's code, reply. */
  private startCall(w: Worker, req: CallRequest): void {
    w.busy = true;
    this.engine.trace.beginSpan(this.engine.now, w.thread, 'api', req.api, req.subject);
    const p = this.engine.spawnAfterWork(w.thread, this.costs.ns('rpcDispatch'), 'RPC: decode + dispatch', req.run(), this.callDone);
    this.running.set(p, { req, worker: w });
  }

  private readonly callDone = (p: Process, result: number): void => {
    const entry = this.running.get(p);
    if (entry === undefined) throw new Error('a call finished that no worker ran');
    this.running.delete(p);
    const { req, worker } = entry;
    this.engine.workThen(worker.thread, this.costs.ns('rpcReply'), 'RPC: encode + send reply', () => this.replied(req, worker, result));
  };

  private replied(req: CallRequest, w: Worker, result: number): void {
    this.engine.trace.endSpan(this.engine.now, w.thread);
    req.result = result;
    this.engine.resume(req.client as Process, result);
    w.busy = false;
    const c = req.connection;
    if (c !== null) {
      c.inFlight--;
      const next = c.waiting.shift();
      if (next !== undefined) {
        c.inFlight++;
        this.read(next);
      }
    }
    this.dispatchTo(w);
  }

  private dispatchTo(w: Worker): void {
    if (w.busy || w.retired || this.callQueue.length === 0) return;
    let i = 0;
    if (w.prio) {
      // Priority workers take only the first high-priority call.
      while (i < this.callQueue.length && !this.callQueue[i].prio) i++;
      if (i === this.callQueue.length) return;
    }
    const req = this.callQueue.splice(i, 1)[0];
    this.closeQueueSpan(req);
    this.startCall(w, req);
  }
}
