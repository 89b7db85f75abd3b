import { describe, expect, it } from 'vitest';
import { validateTrace, type TraceEvent } from '@lockscope/trace';
import { TraceDecoder } from './decoder.js';
import { Op, encodeRecords, type RawRecord } from './format.js';

const T0 = 1_000_000n;

function rec(t: number, tid: number, op: number, id = 0, extra: Partial<RawRecord> = {}): RawRecord {
  return { t: T0 + BigInt(t), caller: 0n, tid, id, op, flags: 0, arg: 0, arg2: 0, ...extra };
}

const NAMES = [
  { process: 100, exe: '/usr/sbin/libvirtd', t0: 0, offsets: [136, 48, 64, 8] },
  { t: 100, name: 'libvirtd' },
  { t: 101, name: 'rpc-libvirtd' },
  { t: 102, name: 'rpc-libvirtd' },
  { t: 103, name: 'prio-rpc-libvir' },
  { o: 1, kind: 'object', class: 'virDomainObjList', name: '', addr: '0x1000', by: '0x1' },
  { o: 2, kind: 'object', class: 'virDomainObj', name: '', addr: '0x2000', by: '0x1' },
  { rename: 2, name: 'vm-01' },
  { o: 3, kind: 'object', class: 'virSecurityManager', name: 'stack', addr: '0x3000', by: '0x1' },
  { o: 4, kind: 'object', class: 'virSecurityManager', name: 'dac', addr: '0x3100', by: '0x1' },
  { o: 5, kind: 'mutex', class: 'virMutex', name: '', addr: '0x4000', by: '0x77' },
  { sym: '0x77', name: 'virQEMUDriverGetConfig' },
  { o: 6, kind: 'object', class: 'qemuMonitor', name: '', addr: '0x5000', by: '0x1' },
  { job: 7, kind: 'job', of: 2, name: 'vm-01' },
  { call: 1, subject: 'vm-01' },
];

// Times in these tests are a few ns apart: keep every gap as measured.
const EXACT = { uncontendedBelowNs: 0 };

function decoderWith(records: RawRecord[], names: object[] = NAMES, options = EXACT): TraceDecoder {
  const d = new TraceDecoder(options);
  d.pushNames(names.map((n) => JSON.stringify(n)).join('\n') + '\n');
  d.pushEvents(encodeRecords(records, { pid: 100, t0: T0 }));
  d.drain(true);
  return d;
}

function events(d: TraceDecoder): TraceEvent[] {
  return [...d.trace.events()];
}

describe('TraceDecoder', () => {
  it('maps libvirt classes to lock classes, with domains as subjects', () => {
    const d = decoderWith([
      rec(1, 101, Op.LockRequest, 1, { flags: 1 }),
      rec(2, 101, Op.LockAcquired, 1, { flags: 1 }),
      rec(3, 101, Op.LockRequest, 2),
      rec(4, 101, Op.LockAcquired, 2),
      rec(5, 101, Op.LockReleased, 1),
      rec(6, 101, Op.LockRequest, 3),
      rec(7, 101, Op.LockAcquired, 3),
      rec(8, 101, Op.LockRequest, 4),
      rec(9, 101, Op.LockAcquired, 4),
      rec(10, 101, Op.LockReleased, 4),
      rec(11, 101, Op.LockReleased, 3),
      rec(12, 101, Op.LockRequest, 5),
      rec(13, 101, Op.LockAcquired, 5),
      rec(14, 101, Op.LockReleased, 5),
      rec(15, 101, Op.LockRequest, 6),
      rec(16, 101, Op.LockAcquired, 6),
      rec(17, 101, Op.LockReleased, 6),
      rec(18, 101, Op.LockReleased, 2),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    const byName = Object.fromEntries(d.trace.locks.map((l) => [l.name, l]));
    expect(byName['domain list']).toMatchObject({ class: 'domain-list', kind: 'rwlock' });
    expect(byName['domain vm-01']).toMatchObject({ class: 'domain-object', subject: 'vm-01' });
    expect(byName['security manager (stack)'].class).toBe('security-manager');
    expect(byName['security driver dac'].class).toBe('security-driver');
    expect(byName['QEMU driver'].class).toBe('driver');
    expect(byName['qemuMonitor vm-01'].class).toBe('monitor');
    expect(events(d)[0]).toMatchObject({ kind: 'lock.request', mode: 'shared' });
    expect(d.trace.threads.map((t) => t.role)).toEqual(['worker']);
    expect(d.openHolds()).toEqual([]);
  });

  it('names a monitor after the domain whose object its first taker holds', () => {
    const d = decoderWith([
      rec(1, 101, Op.LockRequest, 2),
      rec(2, 101, Op.LockAcquired, 2),
      rec(3, 101, Op.LockRequest, 6),
      rec(4, 101, Op.LockAcquired, 6),
      rec(5, 101, Op.LockReleased, 6),
      rec(6, 101, Op.LockReleased, 2),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    expect(d.trace.locks.find((l) => l.class === 'monitor')).toMatchObject({ name: 'qemuMonitor vm-01', subject: 'vm-01' });
  });

  it('writes a condition wait as release, then request + acquired of its mutex', () => {
    const d = decoderWith([
      rec(1, 101, Op.LockRequest, 5),
      rec(2, 101, Op.LockAcquired, 5),
      rec(3, 101, Op.CondWait, 5),
      rec(50, 101, Op.CondWoken, 5),
      rec(60, 101, Op.LockReleased, 5),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    expect(events(d).map((e) => `${e.kind}@${e.t}`)).toEqual([
      'lock.request@1',
      'lock.acquired@2',
      'lock.released@3',
      'lock.request@50',
      'lock.acquired@50',
      'lock.released@60',
    ]);
  });

  it('shows a contended job as a wait that releases the domain object lock meanwhile', () => {
    const d = decoderWith([
      // Thread 101 holds the job; thread 102 waits for it on the job condition.
      rec(1, 101, Op.LockRequest, 2),
      rec(2, 101, Op.LockAcquired, 2),
      rec(3, 101, Op.JobRequest, 7),
      rec(4, 101, Op.JobAcquired, 7),
      rec(5, 101, Op.LockReleased, 2),
      rec(10, 102, Op.LockRequest, 2),
      rec(11, 102, Op.LockAcquired, 2),
      rec(12, 102, Op.JobRequest, 7),
      rec(13, 102, Op.CondWait, 2),
      rec(20, 101, Op.LockRequest, 2),
      rec(21, 101, Op.LockAcquired, 2),
      rec(22, 101, Op.JobReleased, 7),
      rec(23, 101, Op.LockReleased, 2),
      rec(24, 102, Op.CondWoken, 2),
      rec(25, 102, Op.JobAcquired, 7),
      rec(26, 102, Op.JobReleased, 7),
      rec(27, 102, Op.LockReleased, 2),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    const job = d.trace.locks.findIndex((l) => l.class === 'domain-job');
    const waiter = events(d).filter((e) => e.kind.startsWith('lock.') && e.thread === 1);
    expect(waiter.map((e) => `${e.kind} ${(e as { lock: number }).lock === job ? 'job' : 'vm'}@${e.t}`)).toEqual([
      'lock.request vm@10',
      'lock.acquired vm@11',
      'lock.released vm@13',
      'lock.request job@13',
      'lock.acquired job@25',
      'lock.request vm@25',
      'lock.acquired vm@25',
      'lock.released job@26',
      'lock.released vm@27',
    ]);
    expect(d.trace.locks[job]).toMatchObject({ kind: 'job', subject: 'vm-01', name: 'job vm-01' });
    expect(d.openHolds()).toEqual([]);
  });

  it('ignores recursive re-locks and ends holds released by another thread', () => {
    const d = decoderWith([
      rec(1, 101, Op.LockRequest, 5),
      rec(2, 101, Op.LockAcquired, 5),
      rec(3, 101, Op.LockRequest, 5),
      rec(4, 101, Op.LockAcquired, 5),
      rec(5, 101, Op.LockReleased, 5),
      rec(6, 102, Op.LockReleased, 5),
      rec(7, 102, Op.LockRequest, 5),
      rec(8, 102, Op.LockAcquired, 5),
      rec(9, 102, Op.LockReleased, 5),
      rec(10, 103, Op.LockReleased, 5),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    expect(d.anomalies.forcedReleases).toBe(1);
    expect(d.anomalies.unmatchedReleases).toBe(1);
    expect(d.openHolds()).toEqual([]);
  });

  it('turns RPC dispatch into API spans named after the procedure, with the domain as subject', () => {
    const d = decoderWith([
      rec(1, 103, Op.ApiBegin, 1, { arg: 1, arg2: 11 }),
      rec(2, 103, Op.PhaseBegin, 0, { arg: 10 }),
      rec(3, 103, Op.PhaseEnd, 0, { arg: 10 }),
      rec(4, 103, Op.ApiEnd, 1, { arg: 1 }),
      rec(5, 103, Op.ApiBegin, 2, { arg: 1, arg2: 4 }),
      rec(6, 103, Op.ApiEnd, 2, { arg: 1 }),
      rec(7, 103, Op.ApiBegin, 3, { arg: 1, arg2: 999 }),
      rec(8, 103, Op.ApiEnd, 3, { arg: 1 }),
    ]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    const spans = events(d).filter((e) => e.kind === 'span.begin');
    expect(spans).toMatchObject([
      { spanKind: 'api', label: 'virDomainDefineXML', subject: 'vm-01' },
      { spanKind: 'phase', label: 'domain list: add' },
      { spanKind: 'api', label: 'virConnectGetVersion' },
      { spanKind: 'api', label: 'remote procedure 999' },
    ]);
    expect(d.apiCalls.map((c) => c.label)).toEqual(['virDomainDefineXML', 'virConnectGetVersion', 'remote procedure 999']);
    expect(d.trace.threads[0].role).toBe('priority-worker');
  });

  it('files a thread that serves an API call under the workers before its name is known', () => {
    const d = decoderWith([rec(1, 104, Op.ApiBegin, 1, { arg: 1, arg2: 11 }), rec(2, 104, Op.ApiEnd, 1, { arg: 1 })]);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    expect(d.trace.threads[0]).toMatchObject({ name: 'thread 104', role: 'worker' });
  });

  it('decodes incrementally: any split of the files, events only up to the last watermark', () => {
    const records = [
      rec(1, 101, Op.LockRequest, 5),
      rec(2, 101, Op.LockAcquired, 5),
      rec(3, 102, Op.LockRequest, 5),
      { ...rec(4, 0, Op.Watermark), tid: 0 },
      rec(6, 101, Op.LockReleased, 5),
      rec(6, 102, Op.LockAcquired, 5),
      rec(9, 102, Op.LockReleased, 5),
    ];
    const bytes = encodeRecords(records, { pid: 100, t0: T0 });
    const text = NAMES.map((n) => JSON.stringify(n)).join('\n') + '\n';
    const whole = decoderWith(records);
    for (const cut of [1, 7, 31, 32, 33, 64 + 5, 5 * 32 + 3]) {
      const d = new TraceDecoder(EXACT);
      d.pushNames(text.slice(0, 50));
      d.pushNames(text.slice(50));
      d.pushEvents(bytes.subarray(0, cut));
      const first = d.drain();
      d.pushEvents(bytes.subarray(cut));
      const second = d.drain();
      // Up to the watermark (t = 4) only the first three records can be final.
      expect(first + second).toBe(3);
      d.drain(true);
      expect(events(d)).toEqual(events(whole));
    }
    expect(validateTrace(whole.trace)).toEqual({ ok: true });
  });

  it('writes acquisitions faster than the threshold as uncontended, and keeps real waits', () => {
    const records = [
      rec(1000, 101, Op.LockRequest, 5),
      rec(1300, 101, Op.LockAcquired, 5),
      rec(2000, 102, Op.LockRequest, 5),
      rec(90_000, 101, Op.LockReleased, 5),
      rec(95_000, 102, Op.LockAcquired, 5),
      rec(96_000, 102, Op.LockReleased, 5),
    ];
    const d = decoderWith(records, NAMES, { uncontendedBelowNs: 2000 });
    expect(validateTrace(d.trace)).toEqual({ ok: true });
    expect(events(d).map((e) => `${e.kind}@${e.t}`)).toEqual([
      'lock.request@1300',
      'lock.acquired@1300',
      'lock.request@2000',
      'lock.released@90000',
      'lock.acquired@95000',
      'lock.released@96000',
    ]);
  });

  it('places marks by monotonic time among the records', () => {
    const d = new TraceDecoder();
    d.pushNames(NAMES.map((n) => JSON.stringify(n)).join('\n') + '\n');
    d.pushEvents(encodeRecords([rec(1, 101, Op.LockRequest, 5), rec(2, 101, Op.LockAcquired, 5), rec(9, 101, Op.LockReleased, 5)], { pid: 100, t0: T0 }));
    d.mark(T0 + 5n, 'workload start');
    d.drain(true);
    expect(events(d).map((e) => e.kind)).toEqual(['lock.request', 'lock.acquired', 'mark', 'lock.released']);
    expect(validateTrace(d.trace)).toEqual({ ok: true });
  });

  it('rejects a file that is not a recording, and a names line that is not JSON', () => {
    const d = new TraceDecoder();
    expect(() => d.pushEvents(new TextEncoder().encode('hello, this is not a trace file at all'))).toThrow(/not a Lockscope events file/);
    expect(() => new TraceDecoder().pushNames('{"o":1\nnot json\n')).toThrow(/not a JSON line/);
    const bad = encodeRecords([rec(1, 101, 77)], { pid: 1, t0: T0 });
    expect(() => new TraceDecoder().pushEvents(bad)).toThrow(/unknown op 77/);
  });
});
