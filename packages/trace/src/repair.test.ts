import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromChromeJson, toChromeTrace, type ChromeEvent } from './chrome.js';
import { decodeWithFormat } from './detect.js';
import { RepairLog, formatRepairs } from './repair.js';
import { mulberry32 } from './rng.js';
import { randomValidTrace } from './testing.js';
import { validateTrace } from './validate.js';

const enc = (doc: unknown) => new TextEncoder().encode(JSON.stringify(doc));

/** What another recorder writes: async holds, X waits, and a job wait during which the thread takes other locks. */
const foreign = {
  traceEvents: [
    { ph: 'M', name: 'thread_name', pid: 7, tid: 1, args: { name: 'rpc-worker 1' } },
    { ph: 'M', name: 'thread_name', pid: 7, tid: 2, args: { name: 'rpc-worker 2' } },
    // Worker 2 holds the job of vm-1 from 100 to 900 µs.
    { ph: 'b', cat: 'lock.hold', name: 'job vm-1', id: 1, pid: 7, tid: 2, ts: 100, args: { class: 'domain-job' } },
    { ph: 'e', cat: 'lock.hold', name: 'job vm-1', id: 1, pid: 7, tid: 2, ts: 900 },
    // Worker 1 waits for that job from 200 to 900 µs (an X wait)...
    { ph: 'X', cat: 'lock.wait', name: 'job vm-1', pid: 7, tid: 1, ts: 200, dur: 700, args: { class: 'domain-job' } },
    // ...and meanwhile takes the domain list lock (a condition wait drops and retakes locks).
    { ph: 'X', cat: 'lock.wait', name: 'domain list', pid: 7, tid: 1, ts: 300, dur: 10 },
    { ph: 'b', cat: 'lock.hold', name: 'domain list', id: 2, pid: 7, tid: 1, ts: 310 },
    { ph: 'e', cat: 'lock.hold', name: 'domain list', id: 2, pid: 7, tid: 1, ts: 400 },
    { ph: 'b', cat: 'lock.hold', name: 'job vm-1', id: 3, pid: 7, tid: 1, ts: 900, args: { class: 'domain-job' } },
    { ph: 'e', cat: 'lock.hold', name: 'job vm-1', id: 3, pid: 7, tid: 1, ts: 950 },
    // An end whose begin the recorder lost (it started before the capture).
    { ph: 'e', cat: 'lock.hold', name: 'domain list', id: 9, pid: 7, tid: 2, ts: 960 },
  ],
};

describe('repair of foreign traces', () => {
  it('opens a real lock trace from another recorder, reporting each repair (it was refused before)', () => {
    const repairs = new RepairLog();
    const { trace, format } = decodeWithFormat(enc(foreign), { repairs });
    expect(format).toBe('chrome');
    expect(validateTrace(trace)).toEqual({ ok: true });
    const kinds = Object.fromEntries(repairs.warnings.map((w) => [w.kind, w.count]));
    expect(kinds).toEqual({ 'wait-interrupted': 1, 'unmatched-end': 1 });
    // The job wait restarts after the list lock is released (400 µs) and ends at 900 µs.
    const w1 = trace.threads.find((t) => t.name === 'rpc-worker 1')!.id;
    const job = trace.locks.find((l) => l.name === 'job vm-1')!.id;
    const requests = [...trace.events()].filter((e) => e.kind === 'lock.request' && e.thread === w1 && e.lock === job);
    expect(requests.map((e) => e.t)).toEqual([300_000]);
    expect(formatRepairs(repairs.warnings)[0]).toMatch(/^repaired 1 x wait-interrupted: thread rpc-worker 1, lock job vm-1/);
  });

  it('stays strict when asked: an end without its begin is an error, not silently dropped', () => {
    expect(() => decodeWithFormat(enc(foreign), { strict: true })).toThrow(/traceEvents\[10\]: an end \(ph e\)/);
    const unmatchedE = { traceEvents: [{ ph: 'E', pid: 1, tid: 1, ts: 5 }] };
    expect(() => fromChromeJson(JSON.stringify(unmatchedE), { strict: true })).toThrow(/without its begin/);
    const repairs = new RepairLog();
    expect(fromChromeJson(JSON.stringify(unmatchedE), { repairs }).length).toBe(0);
    expect(repairs.warnings).toEqual([{ kind: 'unmatched-end', count: 1, examples: [expect.stringContaining('traceEvents[0]')] }]);
  });

  it('repairs overlapping holds and releases of what is not held', () => {
    const doc = {
      traceEvents: [
        { ph: 'X', cat: 'lock.hold', name: 'm', pid: 1, tid: 1, ts: 0, dur: 100 },
        { ph: 'X', cat: 'lock.hold', name: 'm', pid: 1, tid: 2, ts: 50, dur: 100 },
      ],
    };
    const repairs = new RepairLog();
    const trace = fromChromeJson(JSON.stringify(doc), { repairs });
    expect(validateTrace(trace)).toEqual({ ok: true });
    expect(repairs.warnings.map((w) => w.kind)).toEqual(['overlapping-hold', 'unmatched-release']);
  });

  it('turns any foreign trace that lost lock events into a valid one', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.integer({ min: 1, max: 300 }), fc.array(fc.nat(), { maxLength: 30 }), (s, n, lost) => {
        const trace = randomValidTrace(mulberry32(s), { events: n, zeroStepRate: 0 });
        const events: ChromeEvent[] = toChromeTrace(trace).traceEvents.map((e) => {
          const { seq: _seq, lock: _lock, ...args } = e.args ?? {};
          return { ...e, args };
        });
        const gone = new Set(lost.map((k) => k % events.length));
        const kept = events.filter((e, k) => e.ph === 'M' || !gone.has(k));
        const back = fromChromeJson(JSON.stringify({ traceEvents: kept }), { repairs: new RepairLog() });
        expect(validateTrace(back)).toEqual({ ok: true });
      }),
      { numRuns: 200 },
    );
  });
});
