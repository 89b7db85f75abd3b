// Helpers for this package's tests (not built into dist).
import { Trace, type TraceEvent } from './model.js';

/** A trace with the dictionaries and meta of `base` and the given events. */
export function withEvents(base: Trace, events: TraceEvent[]): Trace {
  const t = new Trace(events.length + 16);
  for (const th of base.threads) t.addThread(th.name, th.role);
  for (const l of base.locks) t.addLock(l);
  t.setLabels([...base.labels]);
  t.meta = structuredClone(base.meta);
  for (const e of events) t.append(e);
  return t;
}

/** The events of a trace, as objects. */
export function eventsOf(trace: Trace): TraceEvent[] {
  return [...trace.events()];
}

/** Everything a trace says, as plain data: compare two traces with toEqual. */
export function traceData(trace: Trace): unknown {
  return { threads: trace.threads, locks: trace.locks, labels: trace.labels, meta: trace.meta, events: eventsOf(trace) };
}
