import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { validateTrace } from '@lockscope/trace';
import { Op, encodeRecords, type RawRecord } from './format.js';
import { TraceFollower, decodeTraceFiles } from './follow.js';

const T0 = 5_000_000n;
const rec = (t: number, tid: number, op: number, id = 0): RawRecord => ({ t: T0 + BigInt(t), caller: 0n, tid, id, op, flags: 0, arg: 0, arg2: 0 });
let dir = '';
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = '';
});

describe('TraceFollower', () => {
  it('decodes files while they grow, up to each watermark, then everything at the end', () => {
    dir = mkdtempSync(join(tmpdir(), 'lockscope-follow-'));
    const prefix = join(dir, 'trace');
    const follower = new TraceFollower(prefix);
    expect(follower.poll()).toBe(0); // nothing written yet

    writeFileSync(`${prefix}.names`, '{"t":7,"name":"rpc-libvirtd"}\n{"o":1,"kind":"object","class":"virDomainObj","name":"vm-01","addr":"0x1","by":"0x0"}\n{"o":2,"kind":"mut');
    writeFileSync(`${prefix}.events`, encodeRecords([rec(10_000, 7, Op.LockRequest, 1), rec(20_000, 7, Op.LockAcquired, 1)], { pid: 7, t0: T0 }).subarray(0, 40));
    expect(follower.poll()).toBe(0); // no watermark yet: nothing is final

    const rest = encodeRecords([rec(10_000, 7, Op.LockRequest, 1), rec(20_000, 7, Op.LockAcquired, 1), { ...rec(30_000, 0, Op.Watermark) }, rec(40_000, 7, Op.LockReleased, 1)], { pid: 7, t0: T0 });
    appendFileSync(`${prefix}.events`, rest.subarray(40));
    appendFileSync(`${prefix}.names`, 'ex","class":"virMutex","name":"","addr":"0x2","by":"0x0"}\n');
    expect(follower.poll()).toBe(2); // request + acquired, before the watermark
    expect(follower.poll(true)).toBe(1); // the release, once the daemon has exited
    follower.close();

    const trace = follower.decoder.trace;
    expect(validateTrace(trace)).toEqual({ ok: true });
    expect(trace.locks[0]).toMatchObject({ class: 'domain-object', subject: 'vm-01' });
    expect(trace.threads[0]).toMatchObject({ name: 'rpc-libvirtd 7', role: 'worker' });
    expect([...decodeTraceFiles(prefix).trace.events()]).toEqual([...trace.events()]);
  });
});
