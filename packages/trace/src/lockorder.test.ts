import { describe, expect, it } from 'vitest';
import { Trace, type LockClass } from './model.js';
import { lockOrderGraph } from './lockorder.js';

function locks(t: Trace, specs: [string, LockClass][]): number[] {
  return specs.map(([name, cls]) => t.addLock({ name, class: cls, kind: 'mutex' }));
}

describe('lock-order graph', () => {
  it('finds an ABBA inversion with its first occurrences', () => {
    const t = new Trace();
    const a = t.addThread('a', 'worker');
    const b = t.addThread('b', 'worker');
    const [sm, dl] = locks(t, [['security manager', 'security-manager'], ['domain list', 'domain-list']]);
    for (const at of [0, 100]) {
      // thread a: security manager, then the domain list (twice)
      t.request(at, a, sm);
      t.acquired(at, a, sm);
      t.request(at + 1, a, dl);
      t.acquired(at + 3, a, dl);
      t.released(at + 4, a, dl);
      t.released(at + 5, a, sm);
    }
    // thread b: the other way round, once
    t.request(200, b, dl);
    t.acquired(200, b, dl);
    t.request(201, b, sm);
    t.acquired(201, b, sm);
    t.released(202, b, sm);
    t.released(203, b, dl);
    const g = lockOrderGraph(t);
    const ba = { event: 15, t: 201, thread: b, outer: dl, inner: sm };
    const ab = [
      { event: 3, t: 3, thread: a, outer: sm, inner: dl },
      { event: 9, t: 103, thread: a, outer: sm, inner: dl },
    ];
    expect(g.edges).toEqual([
      { from: 'domain-list', to: 'security-manager', count: 1, wait: 0, first: ba, occurrences: [ba] },
      { from: 'security-manager', to: 'domain-list', count: 2, wait: 4, first: ab[0], occurrences: ab },
    ]);
    expect(lockOrderGraph(t, { maxOccurrences: 1 }).edges[1]).toMatchObject({ count: 2, occurrences: [ab[0]] });
    expect(g.cycles).toEqual([
      {
        nodes: ['domain-list', 'security-manager'],
        occurrences: [g.edges[0].first, g.edges[1].first],
      },
    ]);
    expect(lockOrderGraph(t, { by: 'lock' }).cycles.map((c) => c.nodes)).toEqual([['domain list', 'security manager']]);
  });

  it('finds no cycle when locks always nest the same way, and a three-lock cycle by lock', () => {
    const t = new Trace();
    const th = t.addThread('w', 'worker');
    const [x, y, z] = locks(t, [['x', 'driver'], ['y', 'domain-object'], ['z', 'domain-object']]);
    const nest = (at: number, outer: number, inner: number) => {
      t.acquired(at, th, outer);
      t.acquired(at + 1, th, inner);
      t.released(at + 2, th, inner);
      t.released(at + 3, th, outer);
    };
    nest(0, x, y);
    nest(10, x, z);
    nest(20, y, z);
    expect(lockOrderGraph(t).cycles).toEqual([]);
    // y inside z within one class is a self-edge, listed but not a cycle
    nest(30, z, y);
    const byClass = lockOrderGraph(t);
    expect(byClass.edges.map((e) => [e.from, e.to, e.count])).toEqual([
      ['domain-object', 'domain-object', 2],
      ['driver', 'domain-object', 2],
    ]);
    expect(byClass.cycles).toEqual([]);
    expect(lockOrderGraph(t, { by: 'lock' }).cycles.map((c) => c.nodes)).toEqual([['y', 'z']]);
    nest(40, z, x);
    expect(lockOrderGraph(t, { by: 'lock' }).cycles.map((c) => c.nodes)).toEqual([
      ['x', 'y', 'z'],
      ['x', 'z'],
      ['y', 'z'],
    ]);
  });

  it('does not count taking a domain job under its own object lock (a condition wait)', () => {
    const t = new Trace();
    const th = t.addThread('w', 'worker');
    const obj = t.addLock({ name: 'domain vm-1', class: 'domain-object', kind: 'mutex', subject: 'vm-1' });
    const job = t.addLock({ name: 'job vm-1', class: 'domain-job', kind: 'job', subject: 'vm-1' });
    const other = t.addLock({ name: 'job vm-2', class: 'domain-job', kind: 'job', subject: 'vm-2' });
    t.acquired(0, th, obj);
    t.acquired(1, th, job); // qemuDomainObjBeginJob
    t.released(2, th, obj); // enter the monitor
    t.acquired(3, th, obj); // exit the monitor
    t.acquired(4, th, other); // another domain's job: a real edge
    t.released(5, th, other);
    t.released(6, th, obj);
    t.released(7, th, job);
    const g = lockOrderGraph(t, { by: 'lock' });
    expect(g.edges.map((e) => [e.from, e.to])).toEqual([
      ['domain vm-1', 'job vm-2'],
      ['job vm-1', 'domain vm-1'],
      ['job vm-1', 'job vm-2'],
    ]);
    expect(g.cycles).toEqual([]);
  });

  it('keeps locks of class other apart under their own names', () => {
    const t = new Trace();
    const th = t.addThread('w', 'worker');
    const [d, p, q] = locks(t, [['domain vm-1', 'domain-object'], ['cache', 'other'], ['event queue', 'other']]);
    t.acquired(0, th, d);
    t.acquired(1, th, p); // domain -> cache
    t.released(2, th, p);
    t.released(3, th, d);
    t.acquired(4, th, q);
    t.acquired(5, th, d); // event queue -> domain: no cycle, the two `other` locks are different
    t.released(6, th, d);
    t.released(7, th, q);
    const g = lockOrderGraph(t);
    expect(g.edges.map((e) => [e.from, e.to])).toEqual([
      ['domain-object', 'cache'],
      ['event queue', 'domain-object'],
    ]);
    expect(g.cycles).toEqual([]);
  });
});
