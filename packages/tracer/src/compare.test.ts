import { describe, expect, it } from 'vitest';
import { Mode, Trace } from '@lockscope/trace';
import { collapse, compareTraces, diffSequences, formatComparison, formatRepeated, profileCalls, repeatedLatencies } from './compare.js';

function build(withSecurity: number, api = 'virDomainCreate'): Trace {
  const t = new Trace();
  const w = t.addThread('worker', 'worker');
  const list = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'rwlock' });
  const vm = t.addLock({ name: 'domain vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
  const sec = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
  let now = 0;
  const take = (lock: number, mode: Mode = Mode.Exclusive, wait = 0, hold = 1): void => {
    t.request(now, w, lock, mode);
    now += wait;
    t.acquired(now, w, lock, mode);
    now += hold;
    t.released(now, w, lock, mode);
  };
  t.beginSpan(now, w, 'api', api, 'vm-1');
  take(list, Mode.Shared);
  t.request(now, w, vm);
  t.acquired(now, w, vm);
  for (let i = 0; i < withSecurity; i++) take(sec, Mode.Exclusive, 2e6, 1e6);
  now += 5;
  t.released(now, w, vm);
  t.endSpan(now, w);
  return t;
}

describe('compare', () => {
  it('profiles each API call: its lock sequence and its waits and holds per class', () => {
    const [call] = profileCalls(build(2));
    expect(call.api).toBe('virDomainCreate');
    expect(call.subject).toBe('vm-1');
    expect(call.sequence).toEqual(['list(R)', 'vm', 'sec', 'sec']);
    expect(call.waitNs['security-manager']).toBe(4e6);
    expect(call.holdNs['security-manager']).toBe(2e6);
  });

  it('collapses runs and aligns the sequences, naming what each side alone does', () => {
    expect(collapse(['a', 'a', 'b', 'mon', 'mon', 'mon', 'a'])).toEqual(['a×2', 'b', 'mon', 'a']);
    expect(diffSequences(['a', 'b', 'c'], ['a', 'c', 'd'])).toEqual([
      { op: '=', token: 'a' },
      { op: '-', token: 'b' },
      { op: '=', token: 'c' },
      { op: '+', token: 'd' },
    ]);
  });

  it('compares the calls the model makes, with daemon-side API variants under the model name', () => {
    const c = compareTraces(build(3, 'virDomainCreateWithFlags'), build(1));
    expect(c.apis).toHaveLength(1);
    const a = c.apis[0];
    expect(a.same).toBe(false);
    expect(a.daemon?.sequence).toEqual(['list(R)', 'vm', 'sec×3']);
    expect(a.model?.sequence).toEqual(['list(R)', 'vm', 'sec']);
    const text = formatComparison(c);
    expect(text).toContain('virDomainCreate: daemon 1 calls');
    expect(text).toContain('-sec×3 +sec');
    expect(compareTraces(build(1), build(1)).apis[0].same).toBe(true);
  });

  it('takes the median of several daemon runs against the model, with the factor between them', () => {
    // Three daemon runs whose calls make one, five and two security calls (3 ms each): different p50s.
    const runs = [build(1), build(5), build(2)].map((d) => compareTraces(d, build(3)));
    const [row] = repeatedLatencies(runs);
    expect(row.api).toBe('virDomainCreate');
    const daemon = runs.map((r) => r.apis[0].daemon?.latencyP50Ms as number);
    expect(row.daemonP50Ms).toEqual(daemon);
    expect(row.daemonMedianP50Ms).toBe([...daemon].sort((a, b) => a - b)[1]);
    expect(row.modelP50Ms).toBe(runs[0].apis[0].model?.latencyP50Ms);
    expect(row.factor).toBeCloseTo(Math.max(row.modelP50Ms / row.daemonMedianP50Ms, row.daemonMedianP50Ms / row.modelP50Ms), 2);
    expect(formatRepeated([row])).toMatch(/virDomainCreate .* \| .* \| .* \| \d\.\d\dx/);
  });

  it("leaves out what comes after the workload's end mark (the launcher's clean-up)", () => {
    const t = build(1);
    t.mark(t.endTime + 1, 'workload create-storm end');
    const w = 0;
    t.beginSpan(t.endTime + 2, w, 'api', 'virDomainDestroy', 'vm-1');
    t.endSpan(t.endTime + 3, w);
    expect(profileCalls(t).map((c) => c.api)).toEqual(['virDomainCreate']);
  });
});
