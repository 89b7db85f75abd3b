// A simulation in its own thread: it produces events as far as the run asks and posts them in
// batches (columns transferred, not copied twice), so that on a machine with two cores the
// simulator and the encoding and sending of frames run at the same time.
import { parentPort, workerData } from 'node:worker_threads';
import type { Batch, ToWorker, WorkerInit } from './sim-protocol.js';
import { SimulationSource } from './sim-source.js';

const port = parentPort;
if (!port) throw new Error('sim-worker.js runs as a worker thread');

/** Events per call to the simulator between two looks at the message queue. */
const SLICE_EVENTS = 32_768;

const source = new SimulationSource((workerData as WorkerInit).config);
const trace = source.trace;
let untilNs = 0;
let allowance = 0;
let scheduled = false;
let changesApplied = 0;
const sent = { events: 0, threads: 0, locks: 0, labels: 0, meta: '', now: -1, done: false };

function flush(): void {
  const metaJson = JSON.stringify(trace.meta ?? {});
  const from = sent.events;
  const to = trace.length;
  const changed =
    to > from || trace.threads.length > sent.threads || trace.locks.length > sent.locks || trace.labels.length > sent.labels || metaJson !== sent.meta || source.now !== sent.now || source.done !== sent.done;
  if (!changed) return;
  const batch: Batch = {
    type: 'batch',
    now: source.now,
    done: source.done,
    strategy: source.currentStrategy,
    changes: changesApplied,
    threads: trace.threads.slice(sent.threads),
    locks: trace.locks.slice(sent.locks),
    labels: trace.labels.slice(sent.labels),
    from,
    time: trace.time.slice(from, to),
    thread: trace.thread.slice(from, to),
    kind: trace.kind.slice(from, to),
    ref: trace.ref.slice(from, to),
    mode: trace.mode.slice(from, to),
    arg: trace.arg.slice(from, to),
  };
  if (metaJson !== sent.meta) batch.meta = trace.meta;
  // slice() made fresh buffers: hand them over instead of copying them again.
  const buffers = [batch.time, batch.thread, batch.kind, batch.ref, batch.mode, batch.arg].map((c) => c.buffer as ArrayBuffer);
  port!.postMessage(batch, buffers);
  Object.assign(sent, { events: to, threads: trace.threads.length, locks: trace.locks.length, labels: trace.labels.length, meta: metaJson, now: source.now, done: source.done });
}

function work(): void {
  scheduled = false;
  const room = allowance - trace.length;
  if (room > 0 && !source.done && source.now < Math.floor(untilNs)) source.advance(untilNs, Math.min(room, SLICE_EVENTS));
  flush();
  if (allowance - trace.length > 0 && !source.done && source.now < Math.floor(untilNs)) schedule();
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  // setImmediate lets the next 'advance' or 'change' message in between two slices.
  setImmediate(work);
}

port.on('message', (message: ToWorker) => {
  try {
    if (message.type === 'advance') {
      untilNs = message.untilNs;
      allowance = message.allowance;
      schedule();
    } else {
      // Validated by the run's thread already; applies from this simulation's current time.
      source.change(message.change);
      changesApplied++;
      sent.now = -1; // forces a batch carrying the new strategy
      flush();
    }
  } catch (error) {
    port.postMessage({ type: 'failed', message: (error as Error).message });
  }
});
