import { describe, expect, it } from 'vitest';
import { Mode, Trace, validateTrace } from '@lockscope/trace';
import { Cond, Engine, condWait, lock, mark, signal, sleep, unlock, work, type Gen } from './engine.js';

const MS = 1e6;

function setup(cpus = 1): { trace: Trace; engine: Engine } {
  const trace = new Trace();
  return { trace, engine: new Engine(trace, cpus) };
}

/** [thread, kind name, lock id or label] of every event, for order checks. */
function log(trace: Trace): string[] {
  const out: string[] = [];
  for (const e of trace.events()) {
    if (e.kind === 'span.begin' || e.kind === 'mark') out.push(`${e.t / MS} t${e.thread} ${e.kind} ${e.label}`);
    else if (e.kind === 'span.end') out.push(`${e.t / MS} t${e.thread} ${e.kind}`);
    else out.push(`${e.t / MS} t${e.thread} ${e.kind} L${e.lock} ${e.mode}`);
  }
  return out;
}

function runAll(engine: Engine): void {
  while (engine.step());
}

describe('mutex', () => {
  it('grants in FIFO order and writes request/acquired/released', () => {
    const { trace, engine } = setup();
    const m = engine.newLock('m', 'other', 'mutex');
    const order: number[] = [];
    for (let i = 0; i < 4; i++) {
      const t = trace.addThread(`t${i}`, 'worker');
      engine.spawn(t, (function* (): Gen {
        yield sleep(i * MS); // arrive in order 0, 1, 2, 3
        yield lock(m);
        order.push(i);
        yield work(10 * MS, 'hold');
        yield unlock(m);
      })());
    }
    runAll(engine);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(engine.now).toBe(40 * MS);
    expect(validateTrace(trace)).toEqual({ ok: true });
    // Thread 1 asked at 1 ms and got the lock when thread 0 released it at 10 ms.
    const l = log(trace);
    expect(l).toContain('1 t1 lock.request L0 exclusive');
    expect(l.indexOf('10 t0 lock.released L0 exclusive')).toBeLessThan(l.indexOf('10 t1 lock.acquired L0 exclusive'));
  });

  it('refuses a release by a thread that does not hold the lock', () => {
    const { trace, engine } = setup();
    const m = engine.newLock('m', 'other', 'mutex');
    engine.spawn(trace.addThread('t', 'worker'), (function* (): Gen {
      yield unlock(m);
    })());
    expect(() => runAll(engine)).toThrow(/does not hold/);
  });
});

describe('rwlock (reader-preferring)', () => {
  it('lets new readers in while a writer waits', () => {
    const { trace, engine } = setup();
    const rw = engine.newLock('rw', 'domain-list', 'rwlock');
    const got: string[] = [];
    const actor = (name: string, at: number, mode: Mode, hold: number): void => {
      engine.spawn(trace.addThread(name, 'worker'), (function* (): Gen {
        yield sleep(at * MS);
        yield lock(rw, mode);
        got.push(`${name}@${engine.now / MS}`);
        yield work(hold * MS, 'hold');
        yield unlock(rw);
      })());
    };
    actor('r1', 0, Mode.Shared, 10);
    actor('w', 1, Mode.Exclusive, 5);
    actor('r2', 2, Mode.Shared, 10); // overtakes the waiting writer
    runAll(engine);
    expect(got).toEqual(['r1@0', 'r2@2', 'w@12']);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });

  it('after a writer, wakes all waiting readers together', () => {
    const { trace, engine } = setup();
    const rw = engine.newLock('rw', 'domain-list', 'rwlock');
    const got: string[] = [];
    const actor = (name: string, at: number, mode: Mode): void => {
      engine.spawn(trace.addThread(name, 'worker'), (function* (): Gen {
        yield sleep(at * MS);
        yield lock(rw, mode);
        got.push(`${name}@${engine.now / MS}`);
        yield work(5 * MS, 'hold');
        yield unlock(rw);
      })());
    };
    actor('w1', 0, Mode.Exclusive);
    actor('w2', 1, Mode.Exclusive);
    actor('r1', 2, Mode.Shared);
    actor('r2', 3, Mode.Shared);
    runAll(engine);
    expect(got).toEqual(['w1@0', 'r1@5', 'r2@5', 'w2@10']);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });
});

describe('condition wait', () => {
  it('releases the mutex while waiting and takes it back when signalled', () => {
    const { trace, engine } = setup();
    const m = engine.newLock('m', 'domain-object', 'mutex');
    const c = new Cond();
    let result = -1;
    engine.spawn(trace.addThread('waiter', 'worker'), (function* (): Gen {
      yield lock(m);
      result = yield condWait(c, m, Infinity);
      yield unlock(m);
    })());
    engine.spawn(trace.addThread('signaller', 'worker'), (function* (): Gen {
      yield sleep(5 * MS);
      yield lock(m); // free: the waiter released it
      yield work(3 * MS, 'work');
      yield signal(c, false);
      yield unlock(m);
    })());
    runAll(engine);
    expect(result).toBe(1);
    expect(validateTrace(trace)).toEqual({ ok: true });
    const l = log(trace);
    // The waiter asks for the mutex again when signalled, and gets it when the signaller unlocks.
    expect(l).toContain('8 t0 lock.request L0 exclusive');
    expect(l).toContain('8 t0 lock.acquired L0 exclusive');
    expect(l.indexOf('8 t1 lock.released L0 exclusive')).toBeLessThan(l.indexOf('8 t0 lock.acquired L0 exclusive'));
  });

  it('times out at the deadline with 0', () => {
    const { trace, engine } = setup();
    const m = engine.newLock('m', 'domain-object', 'mutex');
    const c = new Cond();
    let result = -1;
    let at = -1;
    engine.spawn(trace.addThread('waiter', 'worker'), (function* (): Gen {
      yield lock(m);
      result = yield condWait(c, m, 30 * MS);
      at = engine.now;
      yield mark('timed out');
      yield unlock(m);
    })());
    runAll(engine);
    expect(result).toBe(0);
    expect(at).toBe(30 * MS);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });
});

describe('host CPUs (processor sharing)', () => {
  it('stretches CPU-bound phases when more run than there are CPUs', () => {
    const { trace, engine } = setup(2);
    const ends: number[] = [];
    for (let i = 0; i < 4; i++) {
      engine.spawn(trace.addThread(`t${i}`, 'worker'), (function* (): Gen {
        yield work(100 * MS, 'compile', true);
        ends.push(engine.now);
      })());
    }
    runAll(engine);
    // 4 jobs of 100 ms on 2 CPUs: each runs at half speed and all end at 200 ms.
    expect(ends.map((t) => Math.round(t / MS))).toEqual([200, 200, 200, 200]);
  });

  it('gives a lone job a whole CPU, and non-CPU work is not slowed', () => {
    const { trace, engine } = setup(1);
    const ends: Record<string, number> = {};
    engine.spawn(trace.addThread('a', 'worker'), (function* (): Gen {
      yield work(100 * MS, 'compile', true);
      ends.a = engine.now;
    })());
    engine.spawn(trace.addThread('b', 'worker'), (function* (): Gen {
      yield sleep(50 * MS);
      yield work(100 * MS, 'compile', true);
      ends.b = engine.now;
    })());
    engine.spawn(trace.addThread('c', 'worker'), (function* (): Gen {
      yield work(100 * MS, 'fsync', false);
      ends.c = engine.now;
    })());
    runAll(engine);
    // a alone for 50 ms (50 left), then shared: a ends at 150, b has 50 left at 150, ends at 200.
    expect(Math.round(ends.a / MS)).toBe(150);
    expect(Math.round(ends.b / MS)).toBe(200);
    expect(ends.c).toBe(100 * MS);
  });
});

describe('event order', () => {
  it('breaks ties by insertion order, so equal times stay deterministic', () => {
    const { trace, engine } = setup();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) {
      engine.spawn(trace.addThread(`t${i}`, 'worker'), (function* (): Gen {
        yield sleep(((i * 7) % 5) * MS);
        seen.push(i);
      })());
    }
    runAll(engine);
    const expected = [...Array(50).keys()].sort((a, b) => ((a * 7) % 5) - ((b * 7) % 5) || a - b);
    expect(seen).toEqual(expected);
    for (let i = 1; i < trace.length; i++) expect(trace.time[i]).toBeGreaterThanOrEqual(trace.time[i - 1]);
  });
});
