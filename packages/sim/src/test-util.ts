// Helpers for tests: API call intervals read back from a trace.
import { EventKind, SPAN_KINDS, type Trace } from '@lockscope/trace';

export interface ApiCall {
  api: string;
  subject: string | undefined;
  thread: number;
  start: number;
  end: number;
}

/** Every completed `api` span, in order of completion. */
export function apiCalls(trace: Trace): ApiCall[] {
  const stacks: { kind: number; label: number; subject: number; start: number }[][] = [];
  const out: ApiCall[] = [];
  const API = SPAN_KINDS.indexOf('api');
  for (let i = 0; i < trace.length; i++) {
    const k = trace.kind[i];
    if (k !== EventKind.SpanBegin && k !== EventKind.SpanEnd) continue;
    const th = trace.thread[i];
    const st = (stacks[th] ??= []);
    if (k === EventKind.SpanBegin) {
      st.push({ kind: trace.mode[i], label: trace.ref[i], subject: trace.arg[i], start: trace.time[i] });
    } else {
      const s = st.pop();
      if (s === undefined) throw new Error(`event ${i}: span.end without a span`);
      if (s.kind === API) {
        out.push({
          api: trace.labels[s.label],
          subject: s.subject === 0xffffffff ? undefined : trace.labels[s.subject],
          thread: th,
          start: s.start,
          end: trace.time[i],
        });
      }
    }
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
