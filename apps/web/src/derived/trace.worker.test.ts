import { beforeAll, describe, expect, it } from 'vitest';
import { countOpening, type IntervalBatch, type Trace } from '@lockscope/trace';
import type { EventColumns, WorkerReply, WorkerRequest } from './offthread.js';
import { otherSide, TimelineIndex, type IndexParts } from './timelineIndex.js';
import { syntheticTrace } from './synthetic.js';
import { expectSameIndex } from './testing.js';

// The worker's script, run here: `self` is a stand-in that keeps what the worker posts, cloned
// as postMessage clones it.
const posted: WorkerReply[] = [];
const scope: { onmessage: ((e: { data: WorkerRequest }) => void) | null; postMessage(reply: WorkerReply): void } = {
  onmessage: null,
  postMessage: (reply) => posted.push(structuredClone(reply)),
};
const send = (request: WorkerRequest): void => scope.onmessage?.({ data: structuredClone(request) });

beforeAll(async () => {
  (globalThis as { self?: unknown }).self = scope;
  await import('./trace.worker.js');
});

/** Asks the worker for its side of a shared load of `trace`, its columns in pieces of `piece`
 * events (all at once if the trace is on shared columns), and builds the page's side from what it
 * answers, as indexOffThread does. */
function sharedLoad(id: number, trace: Trace, workerParts: IndexParts, piece: number): TimelineIndex {
  const n = trace.length;
  const counts = countOpening(trace, 0, n);
  const columns = (from: number, to: number): EventColumns =>
    trace.shared
      ? { time: trace.time, thread: trace.thread, kind: trace.kind, ref: trace.ref, mode: trace.mode }
      : { time: trace.time.slice(from, to), thread: trace.thread.slice(from, to), kind: trace.kind.slice(from, to), ref: trace.ref.slice(from, to), mode: trace.mode.slice(from, to) };
  const first = trace.shared ? n : Math.min(n, piece);
  send({ id, kind: 'lanes', trace: { threads: trace.threads, locks: trace.locks, labels: [], meta: {}, length: first, ...columns(0, first), arg: new Uint32Array(0) }, total: n, end: trace.endTime, counts, parts: workerParts });
  for (let from = first; from < n; from += piece) send({ id, kind: 'events', from, columns: columns(from, Math.min(n, from + piece)) });
  const page = new TimelineIndex(trace, otherSide(workerParts));
  page.beginShared(counts, trace.endTime);
  const answers = posted.filter((r) => r.id === id);
  const last = answers.pop();
  for (const r of answers) page.read((r as { batch: IntervalBatch }).batch);
  if (last?.kind !== 'lanes') throw new Error(`the worker answered ${JSON.stringify(last)}`);
  page.adoptLanes(last.share);
  return page;
}

describe('trace.worker', () => {
  it('indexes a trace that comes in pieces, and the page that reads its batches and adopts its builder and lanes has the whole index', () => {
    const trace = syntheticTrace({ intervals: 60_000, threads: 6, locks: 5, seed: 9 });
    const whole = new TimelineIndex(trace);
    whole.update();
    // Pieces of several batches and pieces smaller than one, the lanes split either way.
    const page = sharedLoad(1, trace, { threadRows: false, spans: true, lockLanes: 'odd' }, 70_000);
    expect(posted.filter((r) => r.id === 1 && r.kind === 'batch').length).toBeGreaterThan(1);
    expectSameIndex(page, whole);
    expect(page.marks).toEqual(whole.marks);
    expectSameIndex(sharedLoad(2, trace, { threadRows: false, spans: false, lockLanes: 'even' }, 5_000), whole);
  });

  it('reads shared columns in place, whole', () => {
    const trace = syntheticTrace({ intervals: 30_000, threads: 5, locks: 4, seed: 2, shared: true });
    expect(trace.time.buffer).toBeInstanceOf(SharedArrayBuffer);
    const whole = new TimelineIndex(trace);
    whole.update();
    expectSameIndex(sharedLoad(3, trace, { threadRows: false, spans: true, lockLanes: 'odd' }, 1), whole);
  });

  it('says what went wrong, and forgets the load: later pieces of it are dropped', () => {
    const trace = syntheticTrace({ intervals: 5_000, threads: 3, locks: 3, seed: 4 });
    const counts = countOpening(trace, 0, trace.length);
    // A piece longer than the trace it belongs to.
    send({ id: 4, kind: 'lanes', trace: { threads: trace.threads, locks: trace.locks, labels: [], meta: {}, length: 10, time: trace.time.slice(0, 10), thread: trace.thread.slice(0, 10), kind: trace.kind.slice(0, 10), ref: trace.ref.slice(0, 10), mode: trace.mode.slice(0, 10), arg: new Uint32Array(0) }, total: 20, end: trace.endTime, counts, parts: { threadRows: false, spans: true, lockLanes: 'odd' } });
    send({ id: 4, kind: 'events', from: 10, columns: { time: trace.time.slice(10, 100), thread: trace.thread.slice(10, 100), kind: trace.kind.slice(10, 100), ref: trace.ref.slice(10, 100), mode: trace.mode.slice(10, 100) } });
    send({ id: 4, kind: 'events', from: 100, columns: { time: trace.time.slice(100, 110), thread: trace.thread.slice(100, 110), kind: trace.kind.slice(100, 110), ref: trace.ref.slice(100, 110), mode: trace.mode.slice(100, 110) } });
    // (the batches of the first piece, read before the bad one came)
    const answers = posted.filter((r) => r.id === 4 && r.kind !== 'batch');
    expect(answers.map((r) => r.kind)).toEqual(['error']);
    expect((answers[0] as { error: string }).error).toMatch(/offset|bounds|range/i);
  });
});
