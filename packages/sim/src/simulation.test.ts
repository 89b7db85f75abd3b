import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { EventKind, Trace, validateTrace } from '@lockscope/trace';
import { ConfigError, createSimulation, knobs, presets, resolveConfig, scenarios, type ConfigInput } from './index.js';
import { Daemon } from './daemon.js';
import { Engine, lock, sleep, unlock, type Gen } from './engine.js';
import { Rng } from '@lockscope/trace';
import { apiCalls } from './test-util.js';

const SMALL: Record<string, Record<string, number>> = {
  'create-storm': { domains: 6 },
  'define-during-storm': { domains: 6, probeIntervalMs: 200 },
  lifecycle: { domains: 5 },
  fleet: { domains: 30, durationS: 40, pollIntervalS: 5, churnPerMin: 30, lookupByName: 1 },
};

function finished(input: ConfigInput) {
  const sim = createSimulation(resolveConfig(input));
  expect(sim.runToEnd()).toBe(true);
  return sim;
}

/** Threads whose last lock request was never granted. */
function pendingRequests(trace: Trace): string[] {
  const pending = new Map<number, number>();
  for (let i = 0; i < trace.length; i++) {
    if (trace.kind[i] === EventKind.LockRequest) pending.set(trace.thread[i], trace.ref[i]);
    else if (trace.kind[i] === EventKind.LockAcquired) pending.delete(trace.thread[i]);
  }
  return [...pending.entries()].map(([t, l]) => `${trace.threads[t].name} on ${trace.locks[l].name}`);
}

function lockEvents(trace: Trace, lockName: RegExp, kind: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < trace.length; i++) {
    if (trace.kind[i] === kind && lockName.test(trace.locks[trace.ref[i]].name)) out.push(i);
  }
  return out;
}

describe('every scenario under every preset', () => {
  for (const s of scenarios) {
    for (const p of presets) {
      it(`${s.name} / ${p.name} runs to the end with a valid trace`, () => {
        const sim = finished({ scenario: s.name, preset: p.name, params: SMALL[s.name] });
        expect(validateTrace(sim.trace)).toEqual({ ok: true });
        expect(pendingRequests(sim.trace)).toEqual([]);
        const calls = apiCalls(sim.trace);
        expect(calls.length).toBeGreaterThan(0);
        // Every client finished its calls: the storm's creations, a lifecycle's five calls.
        if (s.name === 'create-storm') {
          // Each client defines its guest, then starts it (the 2013 test).
          expect(calls.filter((c) => c.api === 'virDomainDefineXML')).toHaveLength(6);
          expect(calls.filter((c) => c.api === 'virDomainCreateWithFlags')).toHaveLength(6);
        }
        if (s.name === 'lifecycle') expect(calls).toHaveLength(5 * 5);
        expect(sim.trace.meta).toMatchObject({ scenario: s.name, preset: p.name, seed: 1 });
      });
    }
  }

  it('stays valid for random knob combinations and seeds', () => {
    const knobArb = fc.record(
      Object.fromEntries(
        knobs.map((k) => [
          k.name,
          k.values ? fc.constantFrom(...k.values) : fc.integer({ min: k.min ?? 0, max: Math.min(k.max ?? 8, k.name === 'prioWorkers' ? 5 : 24) }),
        ]),
      ),
    );
    fc.assert(
      fc.property(fc.constantFrom(...scenarios.map((s) => s.name)), knobArb, fc.integer({ min: 0, max: 1e6 }), (scenario, set, seed) => {
        const workers = set.workers as number;
        const sim = finished({ scenario, set: { ...set, workers: Math.max(1, workers) }, params: SMALL[scenario], seed });
        const r = validateTrace(sim.trace);
        if (!r.ok) throw new Error(`${JSON.stringify({ scenario, set, seed })}: ${r.index} ${r.reason}`);
        // A finished run leaves nobody waiting: a deadlock would leave a request without its grant.
        const stuck = pendingRequests(sim.trace);
        if (stuck.length > 0) throw new Error(`${JSON.stringify({ scenario, set, seed })}: threads still waiting: ${stuck.join(', ')}`);
      }),
      { numRuns: 40 },
    );
  });
});

describe('live runs', () => {
  it('switches the list lock live without a walk of the list meeting a change of it', () => {
    // Found by the property below: libvirt-9.0 turns the list mutex into an rwlock while a
    // lookup walks every domain under the mutex; a define under the new rwlock changed the list
    // during the walk, which then locked past its end. The switch now waits for the old lock.
    const sim = createSimulation(resolveConfig({ scenario: 'fleet', params: SMALL.fleet, seed: 535661 }));
    sim.runUntil(15_001 * 1e6);
    sim.setStrategy({ preset: 'libvirt-9.0' });
    expect(sim.runToEnd()).toBe(true);
    expect(validateTrace(sim.trace)).toEqual({ ok: true });
    expect(pendingRequests(sim.trace)).toEqual([]);
    // The rwlock took over: defines and lookups after the switch are under it.
    expect(sim.trace.locks.map((l) => l.name)).toContain('domain list (rwlock)');
  });

  it('stays valid when knobs and presets change at random moments', () => {
    const changeArb = fc.oneof(
      fc.constantFrom(...presets.map((p) => ({ preset: p.name }) as Record<string, string | number>)),
      fc.constantFrom(...knobs.filter((k) => k.values).flatMap((k) => (k.values ?? []).map((v) => ({ [k.name]: v }) as Record<string, string | number>))),
      fc.record({ workers: fc.integer({ min: 1, max: 24 }) }),
      fc.record({ prioWorkers: fc.integer({ min: 0, max: 6 }) }),
      fc.record({ 'host.cpus': fc.integer({ min: 1, max: 16 }) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...scenarios.map((s) => s.name)),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), changeArb), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 1e6 }),
        (scenario, changes, seed) => {
          const sim = createSimulation(resolveConfig({ scenario, params: SMALL[scenario], seed }));
          for (const [atMs, change] of [...changes].sort((a, b) => a[0] - b[0])) {
            sim.runUntil(atMs * 1e6);
            sim.setStrategy(change);
          }
          expect(sim.runToEnd()).toBe(true);
          const r = validateTrace(sim.trace);
          if (!r.ok) throw new Error(`${JSON.stringify({ scenario, changes, seed })}: ${r.index} ${r.reason}`);
          const stuck = pendingRequests(sim.trace);
          if (stuck.length > 0) throw new Error(`${JSON.stringify({ scenario, changes, seed })}: threads still waiting: ${stuck.join(', ')}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('runUntil in small slices gives the same trace as running to the end', () => {
    const input: ConfigInput = { scenario: 'lifecycle', preset: 'libvirt-2013', params: { domains: 4 }, seed: 9 };
    const whole = finished(input);
    const sliced = createSimulation(resolveConfig(input));
    let t = 0;
    while (!sliced.done) {
      t += 37e6; // 37 ms of simulated time per slice
      sliced.runUntil(t);
      expect(sliced.now).toBeLessThanOrEqual(t);
    }
    expect(sliced.trace.length).toBe(whole.trace.length);
    expect(Array.from(sliced.trace.time.subarray(0, sliced.trace.length))).toEqual(Array.from(whole.trace.time.subarray(0, whole.trace.length)));
    expect(Array.from(sliced.trace.ref.subarray(0, sliced.trace.length))).toEqual(Array.from(whole.trace.ref.subarray(0, whole.trace.length)));
  });

  it('setStrategy marks the change and applies from now: the storm ends sooner', () => {
    const input: ConfigInput = { scenario: 'create-storm', preset: 'libvirt-2013', seed: 3 };
    const plain = finished(input);
    const live = createSimulation(resolveConfig(input));
    live.runUntil(3e9);
    const s = live.setStrategy({ 'security.lock': 'domain' });
    expect(s['security.lock']).toBe('domain');
    expect(live.strategy['security.lock']).toBe('domain');
    live.runToEnd();
    expect(validateTrace(live.trace)).toEqual({ ok: true });
    const marks = [...live.trace.events()].filter((e) => e.kind === 'mark');
    expect(marks).toEqual([{ t: 3e9, kind: 'mark', thread: 0xffffffff, label: 'strategy: security.lock=domain' }]);
    // Events before the change are the same as without it.
    const before = plain.trace.time.findIndex((t) => t > 3e9);
    expect(Array.from(live.trace.ref.subarray(0, before))).toEqual(Array.from(plain.trace.ref.subarray(0, before)));
    const end = (sim: typeof plain) => Math.max(...apiCalls(sim.trace).filter((c) => c.api === 'virDomainCreateWithFlags').map((c) => c.end));
    expect(end(live)).toBeLessThan(end(plain) - 1e9);
  });

  it('setStrategy accepts a preset and rejects bad knobs without changing anything', () => {
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm' }));
    sim.runUntil(1e9);
    expect(() => sim.setStrategy({ 'list.lock': 'spin' })).toThrow(ConfigError);
    expect(() => sim.setStrategy({ preset: 'nope' })).toThrow(ConfigError);
    expect(() => sim.setStrategy({})).toThrow(ConfigError);
    expect(sim.strategy['list.lock']).toBe('mutex');
    const s = sim.setStrategy({ preset: 'libvirt-9.0' });
    expect(s.code).toBe('9.0');
    sim.runToEnd();
    expect(validateTrace(sim.trace)).toEqual({ ok: true });
    const labels = [...sim.trace.events()].filter((e) => e.kind === 'mark').map((e) => (e as { label: string }).label);
    expect(labels).toEqual(['strategy: preset=libvirt-9.0']);
  });

  it('cost knobs override the profile from now on; 0 keeps the profile', () => {
    const end = (set: Record<string, number>): number => {
      const sim = finished({ scenario: 'create-storm', params: { domains: 4 }, set });
      return Math.max(...apiCalls(sim.trace).map((c) => c.end));
    };
    const base = end({});
    expect(end({ 'qemu.initMs': 0, 'apparmor.loadMs': 0, 'start.hostMs': 0 })).toBe(base);
    // Four guests start side by side; their AppArmor loads queue on the security manager.
    expect(end({ 'start.hostMs': 5000 })).toBeGreaterThan(base + 2.5e9);
    expect(end({ 'apparmor.loadMs': 10 })).toBeLessThan(base - 4 * 0.4e9);
    expect(end({ 'qemu.initMs': 8000 })).toBeGreaterThan(base + 4e9);
  });

  it('growing and shrinking the worker pool takes effect for later calls', () => {
    const sim = createSimulation(resolveConfig({ scenario: 'create-storm', set: { workers: 2 }, params: { domains: 6, spreadMs: 0, sharedConnection: 0, createXML: 1 } }));
    sim.runUntil(1e5);
    const queued = [...sim.trace.events()].filter((e) => e.kind === 'span.begin' && e.spanKind === 'queue');
    expect(queued).toHaveLength(4);
    sim.setStrategy({ workers: 6 });
    sim.runToEnd();
    expect(validateTrace(sim.trace)).toEqual({ ok: true });
    expect(sim.trace.threads.filter((t) => t.role === 'worker')).toHaveLength(6);
    // With 6 workers the queued calls start at once, not one by one.
    const starts = apiCalls(sim.trace).map((c) => c.start).sort((a, b) => a - b);
    expect(starts[5]).toBeLessThan(2e6);
  });
});

describe('the model follows libvirt', () => {
  it('1.0.5: CreateXML scans the list locking every existing domain object under the list mutex', () => {
    const sim = finished({ scenario: 'create-storm', params: { domains: 5, createXML: 1 } });
    // Creation k locks the k-1 domains before it during its name check, plus its own object.
    const requests = lockEvents(sim.trace, /^domain vm-/, EventKind.LockRequest);
    const scans = (5 * 4) / 2;
    expect(requests.length).toBeGreaterThanOrEqual(scans + 5);
    const list = lockEvents(sim.trace, /^domain list$/, EventKind.LockAcquired);
    expect(list).toHaveLength(5);
  });

  it('9.0: the name hash leaves other domain objects alone and the list is an rwlock taken for writing', () => {
    const sim = finished({ scenario: 'create-storm', preset: 'libvirt-9.0', params: { domains: 5, createXML: 1 } });
    const t = sim.trace;
    for (const i of lockEvents(t, /^domain vm-/, EventKind.LockRequest)) {
      const subject = t.locks[t.ref[i]].subject;
      // Each worker only ever locks the domain it creates.
      const api = apiCalls(t).find((c) => c.thread === t.thread[i] && c.start <= t.time[i] && t.time[i] <= c.end);
      expect(api?.subject).toBe(subject);
    }
    const acquired = lockEvents(t, /^domain list$/, EventKind.LockAcquired);
    expect(acquired).toHaveLength(5);
    for (const i of acquired) expect(t.mode[i]).toBe(0);
  });

  it('the security manager serialises AppArmor work of different domains; per-domain locks do not', () => {
    const helperOverlap = (preset: string): number => {
      const sim = finished({ scenario: 'create-storm', preset, params: { domains: 4 }, set: { 'list.lookup': 'name-copy' } });
      const spans: [number, number][] = [];
      const open = new Map<number, number>();
      const depth = new Map<number, number[]>();
      for (const e of sim.trace.events()) {
        if (e.kind === 'span.begin') {
          const st = depth.get(e.thread) ?? [];
          st.push(e.label.startsWith('virt-aa-helper -c') ? e.t : -1);
          depth.set(e.thread, st);
        } else if (e.kind === 'span.end') {
          const start = depth.get(e.thread)?.pop() ?? -1;
          if (start >= 0) spans.push([start, e.t]);
        }
      }
      open.clear();
      let overlap = 0;
      for (const [a0, a1] of spans) for (const [b0, b1] of spans) if (a0 < b0) overlap += Math.max(0, Math.min(a1, b1) - b0);
      return overlap;
    };
    expect(helperOverlap('libvirt-2013')).toBe(0);
    expect(helperOverlap('feiner-both')).toBeGreaterThan(0);
  });

  it.each([
    ['manager', /^security manager \(stack\)$/],
    ['driver', /^security driver (apparmor|dac)$/],
    ['domain', /^security vm-/],
  ])('security.lock=%s takes only its own kind of security lock, nested drivers inside the stack lock', (scope, expected) => {
    const sim = finished({ scenario: 'lifecycle', params: { domains: 3 }, set: { 'security.lock': scope } });
    const t = sim.trace;
    const held = new Map<number, Set<string>>();
    const taken = new Set<string>();
    for (let i = 0; i < t.length; i++) {
      const k = t.kind[i];
      if (k !== EventKind.LockAcquired && k !== EventKind.LockReleased) continue;
      const info = t.locks[t.ref[i]];
      if (info.class !== 'security-manager' && info.class !== 'security-driver') continue;
      const mine = held.get(t.thread[i]) ?? new Set<string>();
      held.set(t.thread[i], mine);
      if (k === EventKind.LockReleased) {
        mine.delete(info.name);
        continue;
      }
      taken.add(info.name);
      if (/^security driver (apparmor|dac)$/.test(info.name) && scope === 'manager') {
        expect(mine.has('security manager (stack)')).toBe(true);
      }
      mine.add(info.name);
    }
    expect(taken.size).toBeGreaterThan(0);
    if (scope === 'manager') expect([...taken].sort()).toEqual(['security driver apparmor', 'security driver dac', 'security manager (stack)']);
    else for (const name of taken) expect(name).toMatch(expected);
  });

  it('1.0.5: the event loop handles QEMU EOF and waits for the domain object held by destroy', () => {
    const sim = finished({ scenario: 'lifecycle', params: { domains: 2 } });
    const t = sim.trace;
    const loop = t.threads.find((x) => x.role === 'event-loop');
    expect(loop).toBeDefined();
    let waited = 0;
    let requestAt = -1;
    for (let i = 0; i < t.length; i++) {
      if (t.thread[i] !== loop?.id) continue;
      if (t.kind[i] === EventKind.LockRequest) requestAt = t.time[i];
      if (t.kind[i] === EventKind.LockAcquired) waited += t.time[i] - requestAt;
    }
    expect(waited).toBeGreaterThan(0);
  });

  it.each([
    ['libvirt-2013', true],
    ['libvirt-9.0', false],
  ])('%s: calls wait while the event loop is stalled on a domain object: %s', (preset, stalls) => {
    const sim = finished({ scenario: 'lifecycle', preset, params: { domains: 10 } });
    const t = sim.trace;
    const loop = t.threads.find((x) => x.role === 'event-loop')?.id;
    let loopBusy = false;
    let queuedWhileStalled = 0;
    let queued = 0;
    for (const e of t.events()) {
      if (e.thread === loop && e.kind === 'span.begin') loopBusy = true;
      if (e.thread === loop && e.kind === 'span.end') loopBusy = false;
      if (e.kind === 'span.begin' && e.spanKind === 'queue') {
        queued++;
        if (loopBusy) queuedWhileStalled++;
      }
    }
    if (stalls) expect(queuedWhileStalled).toBeGreaterThan(0);
    else expect(queued).toBe(0);
    expect(validateTrace(t)).toEqual({ ok: true });
  });

  it('9.0: EOF goes to a per-domain monitor thread', () => {
    const sim = finished({ scenario: 'lifecycle', preset: 'libvirt-9.0', params: { domains: 2 } });
    expect(sim.trace.threads.filter((x) => x.role === 'monitor').map((x) => x.name).sort()).toEqual(['vm-vm-01', 'vm-vm-02']);
  });

  it('a job held longer than 30 s fails the next BeginJob with "cannot acquire state change lock"', () => {
    const trace = new Trace();
    const engine = new Engine(trace, 2);
    const config = resolveConfig({ scenario: 'lifecycle' });
    const d = new Daemon(engine, config.strategy, new Rng(1));
    const vm = d.newDomain('vm-x', true);
    d.insert(vm);
    let second = -1;
    engine.spawn(trace.addThread('holder', 'worker'), (function* (): Gen {
      yield lock(vm.lock);
      yield* d.beginJob(vm, 'modify');
      yield unlock(vm.lock);
      yield sleep(40e9);
      yield lock(vm.lock);
      yield* d.endJob(vm);
      yield unlock(vm.lock);
    })());
    engine.spawn(trace.addThread('waiter', 'worker'), (function* (): Gen {
      yield sleep(1e9);
      yield lock(vm.lock);
      second = (yield* d.beginJob(vm, 'query')) ? 1 : 0;
      yield unlock(vm.lock);
    })());
    while (engine.step());
    expect(second).toBe(0);
    expect(validateTrace(trace)).toEqual({ ok: true });
    const marks = [...trace.events()].filter((e) => e.kind === 'mark');
    expect(marks).toHaveLength(1);
    expect(marks[0]).toMatchObject({ t: 31e9, thread: 2 });
    expect((marks[0] as { label: string }).label).toMatch(/cannot acquire state change lock/);
  });
});
