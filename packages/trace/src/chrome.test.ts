import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromChromeJson, toChromeJson, toChromeJsonChunks, toChromeTrace, type ChromeEvent } from './chrome.js';
import { IntervalType, deriveIntervals } from './intervals.js';
import { Mode, Trace, TraceError } from './model.js';
import { traceData } from './test-helpers.js';
import { randomValidTrace } from './testing.js';
import { mulberry32 } from './rng.js';
import { validateTrace } from './validate.js';

const seed = fc.integer({ min: 0, max: 2 ** 31 - 1 });

/** Intervals described by names, so traces with other ids compare equal. */
function namedIntervals(trace: Trace, shift = 0): string[] {
  const b = deriveIntervals(trace);
  const iv = b.intervals;
  const rows: string[] = [];
  for (let i = 0; i < iv.length; i++) {
    const type = iv.type(i);
    const what = type === IntervalType.Span ? trace.labels[iv.ref(i)] : trace.locks[iv.ref(i)].name;
    rows.push(JSON.stringify([type, trace.threads[iv.thread(i)].name, what, iv.mode(i), iv.start(i) - shift, iv.end(i) - shift]));
  }
  return rows.sort();
}

describe('Chrome JSON', () => {
  it('round-trips our own export exactly', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 0, max: 400 }), (s, n) => {
        const trace = randomValidTrace(mulberry32(s), { events: n, maxStep: 5_000_000_000 });
        const text = toChromeJson(trace);
        const back = fromChromeJson(text);
        expect(traceData(back)).toEqual(traceData(trace));
        expect([...toChromeJsonChunks(trace)].join('')).toBe(text);
      }),
      { numRuns: 100 },
    );
  });

  it('round-trips a trace longer than one chunk of lines', () => {
    const trace = randomValidTrace(mulberry32(21), { events: 30_000 });
    const chunks = [...toChromeJsonChunks(trace)];
    expect(chunks.length).toBeGreaterThan(4);
    expect(traceData(fromChromeJson(chunks.join('')))).toEqual(traceData(trace));
  });

  it('imports a foreign trace (no seq, no dictionaries) with the same intervals', () => {
    fc.assert(
      fc.property(seed, fc.integer({ min: 1, max: 300 }), (s, n) => {
        const trace = randomValidTrace(mulberry32(s), { events: n, zeroStepRate: 0 });
        const doc = toChromeTrace(trace);
        const foreign: ChromeEvent[] = doc.traceEvents.map((e) => {
          const { seq: _seq, lock: _lock, ...args } = e.args ?? {};
          return { ...e, args };
        });
        const back = fromChromeJson(JSON.stringify({ traceEvents: foreign }));
        expect(validateTrace(back)).toEqual({ ok: true });
        expect(namedIntervals(back)).toEqual(namedIntervals(trace, trace.time[0]));
      }),
      { numRuns: 100 },
    );
  });

  it('keeps hand-over-hand holds on one thread', () => {
    const t = new Trace();
    t.addThread('worker-1', 'worker');
    const list = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'rwlock' });
    const vm = t.addLock({ name: 'vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
    t.request(0, 0, list, Mode.Shared);
    t.acquired(1000, 0, list, Mode.Shared);
    t.request(1500, 0, vm);
    t.acquired(2000, 0, vm);
    t.released(3000, 0, list, Mode.Shared);
    t.released(9000, 0, vm);
    const doc = toChromeTrace(t);
    const holds = doc.traceEvents.filter((e) => e.cat === 'lock.hold' && e.ph === 'b');
    expect(holds.map((e) => [e.name, e.args?.mode, e.args?.class, e.tid])).toEqual([
      ['domain list', 'shared', 'domain-list', 1],
      ['vm-1', 'exclusive', 'domain-object', 1],
    ]);
    expect(traceData(fromChromeJson(JSON.stringify(doc)))).toEqual(traceData(t));
  });

  it('gives distinct ids to holds open at once, even a thousand of them', () => {
    const t = new Trace();
    t.addThread('scanner', 'worker');
    t.addThread('other', 'worker');
    for (let l = 0; l < 1200; l++) t.addLock({ name: `vm-${l}`, class: 'domain-object', kind: 'mutex' });
    for (let l = 0; l < 1200; l++) (t.request(l, 0, l), t.acquired(l, 0, l));
    t.request(1200, 1, 0);
    for (let l = 1199; l >= 0; l--) t.released(2400 - l, 0, l);
    t.acquired(2400, 1, 0);
    const doc = toChromeTrace(t);
    const ids = doc.traceEvents.filter((e) => e.ph === 'b' && e.cat === 'lock.hold' && e.tid === 1).map((e) => e.id);
    expect(new Set(ids).size).toBe(1200);
    const otherIds = new Set(doc.traceEvents.filter((e) => e.tid === 2 && e.ph === 'b').map((e) => `${e.cat}:${e.id}`));
    for (const id of ids) expect(otherIds.has(`lock.hold:${id}`)).toBe(false);
    expect(traceData(fromChromeJson(JSON.stringify(doc)))).toEqual(traceData(t));
  });

  it('follows the format that Perfetto and chrome://tracing read', () => {
    const trace = randomValidTrace(mulberry32(8), { events: 500 });
    const doc = JSON.parse(toChromeJson(trace)) as { traceEvents: ChromeEvent[]; displayTimeUnit: string };
    expect(doc.displayTimeUnit).toBe('ns');
    for (const e of doc.traceEvents) {
      expect(Number.isInteger(e.pid) && Number.isInteger(e.tid)).toBe(true);
      expect('MBEbei'.includes(e.ph)).toBe(true);
      if (e.ph !== 'M') expect(typeof e.ts).toBe('number');
      if (e.ph === 'b' || e.ph === 'e') expect([typeof e.id, e.cat]).toEqual(['number', e.cat === 'lock.wait' ? 'lock.wait' : 'lock.hold']);
      if (e.ph === 'i') expect(['g', 't']).toContain(e.s);
    }
    // Slices sharing an async id never overlap: begin and end alternate.
    const open = new Set<string>();
    for (const e of doc.traceEvents) {
      if (e.ph !== 'b' && e.ph !== 'e') continue;
      const key = `${e.cat}:${e.id}`;
      expect(open.has(key)).toBe(e.ph === 'e');
      if (e.ph === 'b') open.add(key);
      else open.delete(key);
    }
    // B/E nest per thread.
    const depth = new Map<number, number>();
    for (const e of doc.traceEvents) {
      if (e.ph === 'B') depth.set(e.tid as number, (depth.get(e.tid as number) ?? 0) + 1);
      if (e.ph === 'E') {
        const d = (depth.get(e.tid as number) ?? 0) - 1;
        expect(d).toBeGreaterThanOrEqual(0);
        depth.set(e.tid as number, d);
      }
    }
  });

  it('reads X slices and instant events of a foreign trace', () => {
    const back = fromChromeJson([
      { ph: 'M', name: 'thread_name', pid: 7, tid: 42, args: { name: 'rpc-worker' } },
      { ph: 'X', name: 'virDomainCreateXML', cat: 'api', ts: 1000, dur: 5, pid: 7, tid: 42 },
      { ph: 'X', name: 'vm-1', cat: 'lock.hold', ts: 1001, dur: 2, pid: 7, tid: 42, args: { class: 'domain-object' } },
      { ph: 'i', name: 'strategy changed', ts: 1003, pid: 7, tid: 42, s: 'g' },
      { ph: 'C', name: 'counter', ts: 1003, pid: 7, args: { x: 1 } },
    ]);
    expect(validateTrace(back)).toEqual({ ok: true });
    expect(back.threads[0].name).toBe('rpc-worker');
    expect(back.locks[0]).toMatchObject({ name: 'vm-1', class: 'domain-object', kind: 'mutex' });
    expect([...back.events()].map((e) => [e.t, e.kind])).toEqual([
      [0, 'span.begin'],
      [1000, 'lock.request'],
      [1000, 'lock.acquired'],
      [3000, 'lock.released'],
      [3000, 'mark'],
      [5000, 'span.end'],
    ]);
  });

  it('keeps ns precision for foreign timestamps counted since the epoch', () => {
    const epochUs = 1_764_300_000_000_000.123;
    const back = fromChromeJson([
      { ph: 'X', name: 'virDomainGetInfo', cat: 'api', ts: epochUs, dur: 0.5, pid: 1, tid: 1 },
      { ph: 'X', name: 'virDomainGetInfo', cat: 'api', ts: epochUs + 2, dur: 0.001, pid: 1, tid: 1 },
    ]);
    expect([...back.events()].map((e) => e.t)).toEqual([0, 500, 2000, 2001]);
  });

  it('fails only with TraceError when event fields hold values of any JSON type', () => {
    const trace = randomValidTrace(mulberry32(31), { events: 80 });
    const base = JSON.parse(toChromeJson(trace)) as { traceEvents: Record<string, unknown>[] };
    const keys = ['ph', 'ts', 'dur', 'pid', 'tid', 'id', 'cat', 'name', 's', 'args', 'seq', 'lock', 'mode', 'subject'];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.constantFrom(...keys), fc.jsonValue()), { minLength: 1, maxLength: 3 }), fc.boolean(), (edits, foreign) => {
        const doc = structuredClone(base) as { traceEvents: Record<string, unknown>[]; otherData?: unknown };
        if (foreign) delete doc.otherData;
        for (const [k, key, value] of edits) {
          const e = doc.traceEvents[k % doc.traceEvents.length];
          const args = e.args;
          if (key === 'seq' || key === 'lock' || key === 'mode' || key === 'subject') {
            if (typeof args === 'object' && args !== null) (args as Record<string, unknown>)[key] = value;
          } else e[key] = value;
        }
        try {
          fromChromeJson(JSON.stringify(doc));
        } catch (err) {
          if (!(err instanceof TraceError)) throw err;
        }
      }),
      { numRuns: 400 },
    );
    // Found by the property above: an id whose toString is not a function.
    const doc = structuredClone(base);
    const wait = doc.traceEvents.find((e) => e.ph === 'b') as Record<string, unknown>;
    wait.id = { toString: false };
    expect(() => fromChromeJson(JSON.stringify(doc))).toThrow(TraceError);
    expect(() => fromChromeJson(JSON.stringify(doc))).toThrow(/"id" must be a string or a number/);
  });

  it('fails on malformed or truncated input with a TraceError', () => {
    const text = toChromeJson(randomValidTrace(mulberry32(9), { events: 100 }));
    fc.assert(
      fc.property(fc.nat(text.trimEnd().length - 1), (len) => {
        expect(() => fromChromeJson(text.slice(0, len))).toThrow(TraceError);
      }),
      { numRuns: 200 },
    );
    expect(() => fromChromeJson('{"traceEvents": 3}')).toThrow(/traceEvents/);
    expect(() => fromChromeJson('[{"ph": "B", "ts": "soon", "pid": 1, "tid": 1}]')).toThrow(/traceEvents\[0\]/);
    expect(() => fromChromeJson('[7]')).toThrow(/not an object/);
    expect(() => fromChromeJson('{"traceEvents": [], "otherData": {"lockscope": {"version": 2}}}')).toThrow(/version/);
    // A corrupt event count in our own metadata falls back to a best-effort import.
    const doc = JSON.parse(text) as { otherData: { lockscope: { events: number } } };
    doc.otherData.lockscope.events = 1e12;
    expect(fromChromeJson(JSON.stringify(doc)).length).toBe(100);
  });
});
