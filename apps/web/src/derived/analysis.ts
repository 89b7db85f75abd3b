// What the analysis views need from a loaded trace: the verdict of a wait (avoidable or not, and
// why), and the interval that an event opened (to jump from a lock-order edge to the timeline).
// Both read @lockscope/trace's analyses; results are cached per trace and length.

import { bisectLeft } from 'd3';
import { avoidableWaits, describeVerdict, type Trace, type WaitVerdict } from '@lockscope/trace';
import { IntervalKind, type TimelineIndex } from './timelineIndex.js';

const verdicts = new WeakMap<Trace, { length: number; byEvent: Map<number, WaitVerdict> }>();

/** The verdict of wait interval `interval` (null if it is not a finished wait). */
export function waitVerdict(index: TimelineIndex, interval: number): { verdict: WaitVerdict; text: string } | null {
  if (index.kindOf(interval) !== IntervalKind.Wait) return null;
  const event = index.builder.intervals.endEvent[interval];
  const trace = index.source;
  let cached = verdicts.get(trace);
  if (!cached || cached.length !== trace.length) {
    cached = { length: trace.length, byEvent: new Map(avoidableWaits(trace).map((v) => [v.event, v])) };
    verdicts.set(trace, cached);
  }
  const verdict = cached.byEvent.get(event);
  if (!verdict) return null;
  return { verdict, text: describeVerdict(verdict, trace.locks[verdict.lock]?.name ?? 'the lock') };
}

/** The interval opened by event `event` (for a lock.acquired: its hold), or -1. Intervals are
 * numbered in the order of their opening events: a binary search. */
export function intervalOpenedBy(index: TimelineIndex, event: number): number {
  const { startEvent, length } = index.builder.intervals;
  const at = bisectLeft(startEvent, event, 0, length);
  return at < length && startEvent[at] === event ? at : -1;
}
