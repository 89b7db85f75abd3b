import { FrameDecoder, Trace, randomValidTrace, mulberry32, validateTrace } from '@lockscope/trace';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FakeSocket } from '../test-support.js';
import { ReplaySource } from './replay-source.js';
import { Run, type RunLimits } from './run.js';
import { HIGH_WATER_BYTES, Viewer } from './viewer.js';

const limits: RunLimits = { maxEvents: 1_000_000, tickMs: 50, idleGraceMs: 1000 };

function original(events = 5000, seed = 1): Trace {
  return randomValidTrace(mulberry32(seed), { events, maxStep: 1_000_000 });
}

function decodeAll(frames: Uint8Array[]): Trace {
  const trace = new Trace();
  const decoder = new FrameDecoder();
  for (const f of frames) decoder.decode(f, trace);
  return trace;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('Run', () => {
  it('paces a paced source by the speed: nothing beyond the simulated time reached', () => {
    vi.useFakeTimers();
    const trace = original();
    const run = new Run('r1', new ReplaySource(trace), {}, 1, limits, () => {});
    vi.advanceTimersByTime(100); // 100 ms at 1x -> 100 ms of simulated time
    const sim = run.simTimeNs;
    expect(sim).toBeGreaterThan(0);
    expect(sim).toBeLessThanOrEqual(200e6);
    const produced = run.source.trace;
    expect(produced.length).toBeLessThan(trace.length);
    for (let i = 0; i < produced.length; i++) expect(produced.time[i]).toBeLessThanOrEqual(sim);
    run.stop();
  });

  it('ends with source-error when an unpaced source reports a failure of its own', () => {
    vi.useFakeTimers();
    // A traced daemon that dies: it appends nothing more and sets `failure`, without calling onData.
    const source = Object.assign(new ReplaySource(original(10)), { paced: false, failure: undefined as Error | undefined });
    const run = new Run('r-failing', source, {}, 1, limits, () => {});
    const socket = new FakeSocket();
    run.attach(new Viewer(socket, () => run.source.trace, 'binary', undefined, run.frames));
    vi.advanceTimersByTime(200);
    expect(run.live).toBe(true);
    source.failure = new Error('libvirtd exited with code 1');
    vi.advanceTimersByTime(200);
    expect(run.state).toBe('stopped');
    expect(run.reason).toBe('source-error');
    expect(socket.json()).toContainEqual(expect.objectContaining({ type: 'error', message: expect.stringContaining('libvirtd exited with code 1') }));
  });

  it('streams every event to a viewer at max speed, and the frames decode to a valid trace', () => {
    vi.useFakeTimers();
    const trace = original(20_000);
    const ended: Run[] = [];
    const run = new Run('r2', new ReplaySource(trace), {}, 'max', limits, (r) => ended.push(r));
    const socket = new FakeSocket();
    run.attach(new Viewer(socket, () => run.source.trace, 'binary', undefined, run.frames));
    for (let i = 0; i < 100 && run.live; i++) {
      vi.advanceTimersByTime(1);
      socket.drain();
    }
    expect(run.state).toBe('done');
    expect(run.reason).toBe('finished');
    expect(ended).toEqual([run]);
    const received = decodeAll(socket.binary);
    expect(received.length).toBe(trace.length);
    expect(validateTrace(received)).toEqual({ ok: true });
    expect(Array.from(received.time.subarray(0, received.length))).toEqual(Array.from(trace.time.subarray(0, trace.length)));
    expect(Array.from(received.ref.subarray(0, received.length))).toEqual(Array.from(trace.ref.subarray(0, trace.length)));
    const last = socket.json().at(-1);
    expect(last).toMatchObject({ type: 'status', state: 'done', reason: 'finished', events: trace.length });
  });

  it('a slow viewer only slows itself, and catches up once its socket drains', () => {
    vi.useFakeTimers();
    const trace = original(200_000, 3);
    const run = new Run('r3', new ReplaySource(trace), {}, 'max', limits, () => {});
    const fast = new FakeSocket();
    const slow = new FakeSocket();
    const fastViewer = new Viewer(fast, () => run.source.trace, 'binary');
    const slowViewer = new Viewer(slow, () => run.source.trace, 'binary', undefined, run.frames);
    run.attach(fastViewer);
    run.attach(slowViewer);
    slow.bufferedAmount = HIGH_WATER_BYTES + 1; // never drains while the run goes on
    for (let i = 0; i < 200 && run.live; i++) {
      vi.advanceTimersByTime(1);
      fast.drain();
    }
    expect(fastViewer.cursor).toBe(trace.length);
    expect(slow.binary.length).toBeLessThanOrEqual(1);
    expect(slowViewer.cursor).toBeLessThan(trace.length);
    for (let i = 0; i < 100 && slowViewer.behind; i++) slow.drain();
    expect(decodeAll(slow.binary).length).toBe(trace.length);
  });

  it('stops a run nobody watches after the grace period', () => {
    vi.useFakeTimers();
    const run = new Run('r4', new ReplaySource(original()), {}, 1, { ...limits, idleGraceMs: 500 }, () => {});
    vi.advanceTimersByTime(400);
    expect(run.state).toBe('running');
    vi.advanceTimersByTime(200);
    expect(run.state).toBe('stopped');
    expect(run.reason).toBe('idle');
  });

  it('a viewer keeps the run alive; leaving re-arms the grace timer', () => {
    vi.useFakeTimers();
    const run = new Run('r5', new ReplaySource(original(1_000_000, 5)), {}, 0.001, { ...limits, idleGraceMs: 500 }, () => {});
    const viewer = new Viewer(new FakeSocket(), () => run.source.trace, 'binary');
    run.attach(viewer);
    vi.advanceTimersByTime(2000);
    expect(run.state).toBe('running');
    run.detach(viewer);
    vi.advanceTimersByTime(600);
    expect(run.state).toBe('stopped');
  });

  it('ends the run at the event cap', () => {
    vi.useFakeTimers();
    const run = new Run('r6', new ReplaySource(original(50_000, 7)), {}, 'max', { ...limits, maxEvents: 10_000 }, () => {});
    const socket = new FakeSocket();
    run.attach(new Viewer(socket, () => run.source.trace, 'binary', undefined, run.frames));
    for (let i = 0; i < 50 && run.live; i++) {
      vi.advanceTimersByTime(1);
      socket.drain();
    }
    expect(run.state).toBe('done');
    expect(run.reason).toBe('event-limit');
    expect(run.events).toBe(10_000);
  });

  it('pause freezes simulated time; resume continues from there', () => {
    vi.useFakeTimers();
    const run = new Run('r7', new ReplaySource(original(1_000_000, 9)), {}, 1, { ...limits, idleGraceMs: 60_000 }, () => {});
    vi.advanceTimersByTime(100);
    run.pause();
    const paused = run.simTimeNs;
    vi.advanceTimersByTime(1000);
    expect(run.simTimeNs).toBe(paused);
    expect(run.status().state).toBe('paused');
    run.resume();
    vi.advanceTimersByTime(200);
    expect(run.simTimeNs).toBeGreaterThan(paused);
    run.stop();
  });
});
