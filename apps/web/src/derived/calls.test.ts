import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { alignedCall, callFigures, callKeys } from './calls.js';
import { TimelineIndex } from './timelineIndex.js';

describe('callFigures', () => {
  it('gives each finished call its latency and waiting per lock class, repeated calls numbered', () => {
    const tr = new Trace();
    const w = tr.addThread('worker-1', 'worker');
    const list = tr.addLock({ name: 'domains', class: 'domain-list', kind: 'mutex' });
    tr.beginSpan(0, w, 'api', 'virDomainLookupByName', 'vm-1');
    tr.request(10, w, list);
    tr.acquired(40, w, list);
    tr.released(50, w, list);
    tr.endSpan(100, w);
    tr.beginSpan(200, w, 'api', 'virDomainLookupByName', 'vm-1');
    tr.request(210, w, list);
    tr.acquired(210, w, list);
    tr.released(220, w, list);
    tr.endSpan(230, w);
    tr.beginSpan(300, w, 'api', 'virDomainGetInfo', 'vm-2'); // still running: not a finished call
    const ix = new TimelineIndex(tr);
    ix.update();
    const calls = callFigures(ix);
    expect([...calls.keys()]).toEqual(['virDomainLookupByName vm-1', 'virDomainLookupByName vm-1 #2']);
    expect(calls.get('virDomainLookupByName vm-1')).toMatchObject({ latency: 100, waited: 30, subject: 'vm-1' });
    expect(calls.get('virDomainLookupByName vm-1')?.waitByClass[2]).toBe(30);
    expect(calls.get('virDomainLookupByName vm-1 #2')).toMatchObject({ latency: 30, waited: 0 });
  });

  it('aligns the same call across two runs by key, running calls included', () => {
    const run = (offset: number): TimelineIndex => {
      const tr = new Trace();
      const w = tr.addThread('worker-1', 'worker');
      tr.beginSpan(offset, w, 'api', 'virDomainCreateXML', 'vm-1');
      tr.endSpan(offset + 10, w);
      tr.beginSpan(offset + 20, w, 'api', 'virDomainCreateXML', 'vm-2'); // still running
      const ix = new TimelineIndex(tr);
      ix.update();
      return ix;
    };
    const a = callKeys(run(0));
    const b = callKeys(run(500));
    expect([...a.keys()]).toEqual(['virDomainCreateXML vm-1', 'virDomainCreateXML vm-2']);
    expect(alignedCall(a, b, a.get('virDomainCreateXML vm-2')!)).toBe(b.get('virDomainCreateXML vm-2'));
    expect(alignedCall(a, b, 12345)).toBe(-1);
  });
});
