import { describe, expect, it } from 'vitest';
import { Trace } from '@lockscope/trace';
import { callFigures } from './calls.js';
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
});
