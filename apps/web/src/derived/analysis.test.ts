import { describe, expect, it } from 'vitest';
import { EventKind, mulberry32, randomValidTrace } from '@lockscope/trace';
import { intervalOpenedBy } from './analysis.js';
import { TimelineIndex } from './timelineIndex.js';

describe('intervalOpenedBy', () => {
  it('finds the interval each opening event opens, and none for other events', () => {
    const trace = randomValidTrace(mulberry32(9), { events: 2000 });
    const ix = new TimelineIndex(trace);
    ix.update();
    const { startEvent } = ix.builder.intervals;
    for (let id = 0; id < ix.size; id++) expect(intervalOpenedBy(ix, startEvent[id])).toBe(id);
    for (let i = 0; i < trace.length; i++) {
      const k = trace.kind[i];
      if (k === EventKind.LockReleased || k === EventKind.SpanEnd || k === EventKind.Mark) expect(intervalOpenedBy(ix, i)).toBe(-1);
    }
  });
});
