import { FrameDecoder, Trace, mulberry32, randomValidTrace } from '@lockscope/trace';
import { describe, expect, it } from 'vitest';
import { FrameLog, MAX_EVENTS_PER_FRAME } from './frame-log.js';
import { ReplaySource } from './replay-source.js';

describe('FrameLog', () => {
  it('encodes a growing trace once, in frames that decode in order to the same trace', () => {
    const original = randomValidTrace(mulberry32(4), { events: 150_000, maxStep: 1000 });
    const source = new ReplaySource(original);
    const log = new FrameLog();
    let t = 0;
    while (!source.done) {
      t += 3_000_000;
      source.advance(t, 1e9);
      log.extend(source.trace, source.trace.length);
    }
    expect(log.eventsBefore(log.length)).toBe(original.length);
    const back = new Trace();
    const decoder = new FrameDecoder();
    for (let i = 0; i < log.length; i++) {
      expect(log.eventsBefore(i + 1) - log.eventsBefore(i)).toBeLessThanOrEqual(MAX_EVENTS_PER_FRAME);
      decoder.decode(log.frame(i), back);
      expect(back.length).toBe(log.eventsBefore(i + 1));
    }
    expect(Array.from(back.time.subarray(0, back.length))).toEqual(Array.from(original.time.subarray(0, original.length)));
    expect(back.labels).toEqual(original.labels);
    expect(back.locks).toEqual(original.locks);
  });

  it('never encodes beyond the given end', () => {
    const trace = randomValidTrace(mulberry32(5), { events: 1000 });
    const log = new FrameLog();
    log.extend(trace, 400);
    log.extend(trace, 300);
    expect(log.eventsBefore(log.length)).toBe(400);
    log.extend(trace, 5000);
    expect(log.eventsBefore(log.length)).toBe(1000);
  });
});
