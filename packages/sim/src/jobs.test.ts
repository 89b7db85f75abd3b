// The 9.0 job model: the async START job beside the normal job, nested jobs for its monitor
// exchanges, and DESTROY let in during a start (qemuDomainObjSetAsyncJobMask always adds it).
import { describe, expect, it } from 'vitest';
import { EventKind, Trace, validateTrace } from '@lockscope/trace';
import { createSimulation, resolveConfig } from './index.js';
import { findPreset } from './strategy.js';
import { Daemon } from './daemon.js';
import { Engine, sleep, type Gen } from './engine.js';
import { call } from './rpc-pool.js';
import { Rng } from '@lockscope/trace';
import { create, defineXML, destroy } from './driver/api.js';
import { apiCalls } from './test-util.js';

interface Acquisition {
  lock: string;
  thread: number;
  acquired: number;
  released: number;
}

/** Every hold of a lock whose name starts with `prefix`, in order of acquisition. */
function holds(trace: Trace, prefix: string): Acquisition[] {
  const open = new Map<string, Acquisition>();
  const out: Acquisition[] = [];
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kind[i];
    if (k !== EventKind.LockAcquired && k !== EventKind.LockReleased) continue;
    const name = trace.locks[trace.ref[i]].name;
    if (!name.startsWith(prefix)) continue;
    const key = `${trace.thread[i]}/${name}`;
    if (k === EventKind.LockAcquired) {
      const a = { lock: name, thread: trace.thread[i], acquired: trace.time[i], released: Infinity };
      open.set(key, a);
      out.push(a);
    } else {
      const a = open.get(key);
      if (a) a.released = trace.time[i];
      open.delete(key);
    }
  }
  return out;
}

/** A persistent domain defined, then started by one client while another destroys it after `destroyAtNs`. */
function destroyDuringStart(preset: string, destroyAtNs: number | null) {
  const trace = new Trace();
  const strategy = { ...findPreset(preset).knobs };
  const engine = new Engine(trace, strategy['host.cpus']);
  const d = new Daemon(engine, strategy, new Rng(1));
  for (let i = 1; i <= 4; i++) d.rpc.addWorker(`worker-${i}`, false);
  const result = { define: -1, create: -1, destroy: -1 };
  const starter = trace.addThread('starter', 'client');
  engine.spawn(starter, (function* (): Gen {
    result.define = yield call(defineXML(d, 'vm-x'));
    const vm = d.find('vm-x');
    if (vm === undefined) return;
    if (destroyAtNs !== null) engine.spawn(trace.addThread('destroyer', 'client'), (function* (): Gen {
      yield sleep(destroyAtNs);
      result.destroy = yield call(destroy(d, vm));
    })());
    result.create = yield call(create(d, vm));
  })());
  while (engine.step());
  return { trace, result, vm: d.find('vm-x') };
}

describe('9.0 jobs', () => {
  it('a start takes the async job once and runs each of its 14 monitor exchanges in a nested job inside it', () => {
    const sim = createSimulation(resolveConfig({ scenario: 'lifecycle', preset: 'libvirt-9.0', params: { domains: 3 } }));
    expect(sim.runToEnd()).toBe(true);
    const t = sim.trace;
    const starts = apiCalls(t).filter((c) => c.api === 'virDomainCreate');
    expect(starts).toHaveLength(3);
    for (const start of starts) {
      const inCall = (a: Acquisition) => a.thread === start.thread && a.acquired >= start.start && a.released <= start.end;
      const asyncJobs = holds(t, `async-job ${start.subject}`).filter(inCall);
      expect(asyncJobs).toHaveLength(1);
      const nested = holds(t, `job ${start.subject}`).filter(inCall);
      expect(nested).toHaveLength(14);
      for (const n of nested) {
        expect(n.acquired).toBeGreaterThanOrEqual(asyncJobs[0].acquired);
        expect(n.released).toBeLessThanOrEqual(asyncJobs[0].released);
      }
      // Each nested job is the thread's monitor exchange: the monitor lock is taken inside it.
      const mons = holds(t, `qemuMonitor ${start.subject}`).filter(inCall);
      for (const n of nested) expect(mons.some((m) => m.acquired >= n.acquired && m.released <= n.released)).toBe(true);
    }
    expect(validateTrace(t)).toEqual({ ok: true });
  });

  it('a destroy issued during a start gets the DESTROY job before the start ends its async job; the start then fails', () => {
    const { trace, result, vm } = destroyDuringStart('libvirt-9.0', 100e6);
    expect(result).toEqual({ define: 1, create: 0, destroy: 1 });
    expect(vm?.active).toBe(false);
    const [asyncJob] = holds(trace, 'async-job vm-x');
    const destroyThread = apiCalls(trace).find((c) => c.api === 'virDomainDestroy')?.thread;
    const destroyJob = holds(trace, 'job vm-x').find((a) => a.thread === destroyThread);
    expect(destroyJob).toBeDefined();
    expect(destroyJob!.acquired).toBeGreaterThan(asyncJob.acquired);
    expect(destroyJob!.acquired).toBeLessThan(asyncJob.released);
    expect(destroyJob!.released).toBeLessThanOrEqual(asyncJob.released);
    expect([...trace.events()].some((e) => e.kind === 'mark' && /vm-x: domain is no longer running/.test(e.label))).toBe(true);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });

  it('a destroy issued during a monitor exchange of a start: the start fails at its next exchange and stops the domain itself', () => {
    // Where the start's qmp_capabilities exchange runs, relative to the end of DefineXML.
    const alone = destroyDuringStart('libvirt-9.0', null);
    const defineEnd = apiCalls(alone.trace).find((c) => c.api === 'virDomainDefineXML')!.end;
    const qmp = [...alone.trace.events()].find((e) => e.kind === 'span.begin' && e.label.startsWith('QMP qmp_capabilities'))!;
    const { trace, result, vm } = destroyDuringStart('libvirt-9.0', qmp.t - defineEnd + 1e6);
    // The destroy killed QEMU and waited for the start's nested job; the start's next exchange
    // found the monitor at EOF, it stopped the domain under a nested job, and the destroy then
    // found it not running (libvirt: "domain is not running").
    expect(result).toEqual({ define: 1, create: 0, destroy: 0 });
    expect(vm?.active).toBe(false);
    const calls = apiCalls(trace);
    const start = calls.find((c) => c.api === 'virDomainCreate')!;
    const destroyCall = calls.find((c) => c.api === 'virDomainDestroy')!;
    expect(destroyCall.start).toBeLessThan(start.end);
    const stops = [...trace.events()].filter((e) => e.kind === 'span.begin' && e.label.startsWith('qemuProcessStop'));
    expect(stops.map((e) => e.thread)).toEqual([start.thread]);
    const [asyncJob] = holds(trace, 'async-job vm-x');
    const destroyJob = holds(trace, 'job vm-x').find((a) => a.thread === destroyCall.thread)!;
    expect(destroyJob.acquired).toBeGreaterThanOrEqual(asyncJob.released);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });

  it('1.0.5 has a single job: no async job lock, and a destroy gets no job while a start holds it', () => {
    const { trace } = destroyDuringStart('libvirt-2013', 100e6);
    expect(trace.locks.some((l) => l.name.startsWith('async-job'))).toBe(false);
    const calls = apiCalls(trace);
    const start = calls.find((c) => c.api === 'virDomainCreate');
    const destroyThread = calls.find((c) => c.api === 'virDomainDestroy')?.thread;
    const [startJob] = holds(trace, 'job vm-x').filter((a) => a.thread === start?.thread);
    for (const a of holds(trace, 'job vm-x').filter((x) => x.thread === destroyThread)) expect(a.acquired).toBeGreaterThanOrEqual(startJob.released);
    expect(validateTrace(trace)).toEqual({ ok: true });
  });
});
