// Compares a traced daemon with the simulator, per API call: the sequence of lock acquisitions
// each makes (by lock class and mode) and where they differ, and wait / hold times side by side.
import { EventKind, Mode, NONE, SPAN_KINDS, type LockClass, type Trace } from '@lockscope/trace';

/** Daemon-side variants of an API, as the model names it. */
const API_ALIASES: Record<string, string> = {
  virDomainUndefineFlags: 'virDomainUndefine',
  virDomainCreateWithFlags: 'virDomainCreate',
  virDomainDestroyFlags: 'virDomainDestroy',
  virDomainDefineXMLFlags: 'virDomainDefineXML',
};

export function canonicalApi(label: string): string {
  return API_ALIASES[label] ?? label;
}

const CLASS_TOKENS: Partial<Record<LockClass, string>> = {
  'domain-list': 'list',
  'domain-object': 'vm',
  'domain-job': 'job',
  'security-manager': 'sec',
  'security-driver': 'secdrv',
  monitor: 'mon',
  driver: 'driver',
};

export interface CallProfile {
  api: string;
  subject?: string;
  latencyNs: number;
  /** Lock acquisitions in order, as tokens: `list(R)`, `list(W)`, `vm`, `job`, `sec`, `mon`... */
  sequence: string[];
  waitNs: Partial<Record<LockClass, number>>;
  holdNs: Partial<Record<LockClass, number>>;
}

export interface ProfileOptions {
  /** Lock classes left out of the sequences (their times are still counted). Default: driver, other. */
  skipClasses?: LockClass[];
}

/** One profile per top-level API span of the trace. */
export function profileCalls(trace: Trace, options: ProfileOptions = {}): CallProfile[] {
  const skip = new Set<LockClass>(options.skipClasses ?? ['driver', 'other']);
  const apiKind = SPAN_KINDS.indexOf('api');
  const out: CallProfile[] = [];
  const nThreads = trace.threads.length;
  const open: (CallProfile | null)[] = new Array(nThreads).fill(null);
  const openStart: number[] = new Array(nThreads).fill(0);
  const depth: number[] = new Array(nThreads).fill(0);
  const apiDepth: number[] = new Array(nThreads).fill(-1);
  const requestAt = new Map<number, number>(); // thread * 2^20 + lock -> request time
  const acquiredIn = new Map<number, { at: number; call: CallProfile | null }>();
  const key = (thread: number, lock: number): number => thread * 1048576 + lock;
  for (let i = 0; i < trace.length; i++) {
    const th = trace.thread[i];
    const t = trace.time[i];
    // The launcher's clean-up (destroying a storm's domains) comes after this mark: not the workload.
    if (trace.kind[i] === EventKind.Mark && /^workload .* end$/.test(trace.labels[trace.ref[i]])) break;
    switch (trace.kind[i]) {
      case EventKind.SpanBegin:
        if (trace.mode[i] === apiKind && open[th] === null) {
          const arg = trace.arg[i];
          const call: CallProfile = { api: canonicalApi(trace.labels[trace.ref[i]]), latencyNs: 0, sequence: [], waitNs: {}, holdNs: {} };
          if (arg !== NONE) call.subject = trace.labels[arg];
          open[th] = call;
          openStart[th] = t;
          apiDepth[th] = depth[th];
        }
        depth[th]++;
        break;
      case EventKind.SpanEnd:
        depth[th]--;
        if (open[th] && depth[th] === apiDepth[th]) {
          const call = open[th] as CallProfile;
          call.latencyNs = t - openStart[th];
          out.push(call);
          open[th] = null;
        }
        break;
      case EventKind.LockRequest:
        requestAt.set(key(th, trace.ref[i]), t);
        break;
      case EventKind.LockAcquired: {
        const lock = trace.ref[i];
        const cls = trace.locks[lock].class;
        const call = open[th];
        const k = key(th, lock);
        const since = requestAt.get(k) ?? t;
        requestAt.delete(k);
        acquiredIn.set(k, { at: t, call });
        if (!call) break;
        call.waitNs[cls] = (call.waitNs[cls] ?? 0) + (t - since);
        const token = CLASS_TOKENS[cls];
        if (token && !skip.has(cls)) call.sequence.push(cls === 'domain-list' ? `${token}(${trace.mode[i] === Mode.Shared ? 'R' : 'W'})` : token);
        break;
      }
      case EventKind.LockReleased: {
        const k = key(th, trace.ref[i]);
        const held = acquiredIn.get(k);
        acquiredIn.delete(k);
        if (held?.call) {
          const cls = trace.locks[trace.ref[i]].class;
          held.call.holdNs[cls] = (held.call.holdNs[cls] ?? 0) + (t - held.at);
        }
        break;
      }
    }
  }
  return out;
}

/** Tokens whose runs are written once without a count: the monitor lock is re-taken at every
 * wake-up of a thread waiting for QEMU's reply, so a run of it is one exchange, not n. */
const UNCOUNTED_RUNS = new Set(['mon']);

/** Runs of one token become `token×n` (or just `token` for the monitor). */
export function collapse(sequence: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < sequence.length) {
    let j = i + 1;
    while (j < sequence.length && sequence[j] === sequence[i]) j++;
    out.push(j - i > 1 && !UNCOUNTED_RUNS.has(sequence[i]) ? `${sequence[i]}×${j - i}` : sequence[i]);
    i = j;
  }
  return out;
}

export type DiffStep = { op: '=' | '-' | '+'; token: string };

/** Longest-common-subsequence alignment: `-` only in `a` (the daemon), `+` only in `b` (the model). */
export function diffSequences(a: string[], b: string[]): DiffStep[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i][j] = a[i] === b[j] ? lcs[i + 1][j + 1] + 1 : Math.max(lcs[i + 1][j], lcs[i][j + 1]);
  const out: DiffStep[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      out.push({ op: '=', token: a[i] });
      i++;
      j++;
    } else if (lcs[i + 1][j] >= lcs[i][j + 1]) out.push({ op: '-', token: a[i++] });
    else out.push({ op: '+', token: b[j++] });
  }
  while (i < n) out.push({ op: '-', token: a[i++] });
  while (j < m) out.push({ op: '+', token: b[j++] });
  return out;
}

export interface SideSummary {
  calls: number;
  latencyP50Ms: number;
  /** The most common collapsed sequence and how many calls made exactly it. */
  sequence: string[];
  sequenceCalls: number;
  /** Mean per call, ms. */
  waitMs: Partial<Record<LockClass, number>>;
  holdMs: Partial<Record<LockClass, number>>;
}

export interface ApiComparison {
  api: string;
  daemon: SideSummary | null;
  model: SideSummary | null;
  diff: DiffStep[];
  same: boolean;
}

export interface Comparison {
  apis: ApiComparison[];
  /** Calls the daemon served that the model does not make (virsh's lookups, connection set-up...). */
  daemonOnly: Record<string, number>;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (ms: number): number => Math.round(ms * 1000) / 1000;

function summarizeSide(calls: CallProfile[]): SideSummary | null {
  if (calls.length === 0) return null;
  const counts = new Map<string, { seq: string[]; n: number }>();
  for (const c of calls) {
    const seq = collapse(c.sequence);
    const k = seq.join(' ');
    const e = counts.get(k);
    if (e) e.n++;
    else counts.set(k, { seq, n: 1 });
  }
  const best = [...counts.values()].sort((a, b) => b.n - a.n)[0];
  const waitMs: Partial<Record<LockClass, number>> = {};
  const holdMs: Partial<Record<LockClass, number>> = {};
  for (const c of calls) {
    for (const [cls, ns] of Object.entries(c.waitNs) as [LockClass, number][]) waitMs[cls] = (waitMs[cls] ?? 0) + ns / 1e6 / calls.length;
    for (const [cls, ns] of Object.entries(c.holdNs) as [LockClass, number][]) holdMs[cls] = (holdMs[cls] ?? 0) + ns / 1e6 / calls.length;
  }
  for (const m of [waitMs, holdMs]) for (const k of Object.keys(m) as LockClass[]) m[k] = round(m[k] as number);
  return { calls: calls.length, latencyP50Ms: round(median(calls.map((c) => c.latencyNs)) / 1e6), sequence: best.seq, sequenceCalls: best.n, waitMs, holdMs };
}

/** Compares the API calls the model makes (in the model's order of first appearance). */
export function compareTraces(daemon: Trace, model: Trace, options: ProfileOptions = {}): Comparison {
  const d = profileCalls(daemon, options);
  const m = profileCalls(model, options);
  const apis: string[] = [];
  for (const c of m) if (!apis.includes(c.api)) apis.push(c.api);
  const daemonOnly: Record<string, number> = {};
  for (const c of d) if (!apis.includes(c.api)) daemonOnly[c.api] = (daemonOnly[c.api] ?? 0) + 1;
  return {
    apis: apis.map((api) => {
      const ds = summarizeSide(d.filter((c) => c.api === api));
      const ms = summarizeSide(m.filter((c) => c.api === api));
      const diff = diffSequences(ds?.sequence ?? [], ms?.sequence ?? []);
      return { api, daemon: ds, model: ms, diff, same: diff.every((s) => s.op === '=') };
    }),
    daemonOnly,
  };
}

const CLASS_ORDER: LockClass[] = ['domain-list', 'domain-object', 'domain-job', 'security-manager', 'security-driver', 'monitor', 'driver', 'other'];

function cell(x: number | undefined): string {
  return x === undefined ? '-' : x < 10 ? x.toFixed(3) : x.toFixed(1);
}

/** The comparison as text, one block per API call. */
export function formatComparison(c: Comparison, labels = { daemon: 'daemon', model: 'model' }): string {
  const lines: string[] = [];
  for (const a of c.apis) {
    lines.push(`${a.api}: ${labels.daemon} ${a.daemon?.calls ?? 0} calls, p50 ${cell(a.daemon?.latencyP50Ms)} ms | ${labels.model} ${a.model?.calls ?? 0} calls, p50 ${cell(a.model?.latencyP50Ms)} ms`);
    lines.push(`  ${labels.daemon.padEnd(7)} (${a.daemon?.sequenceCalls ?? 0}/${a.daemon?.calls ?? 0}): ${a.daemon?.sequence.join(' ') || '(none)'}`);
    lines.push(`  ${labels.model.padEnd(7)} (${a.model?.sequenceCalls ?? 0}/${a.model?.calls ?? 0}): ${a.model?.sequence.join(' ') || '(none)'}`);
    lines.push(a.same ? '  same lock sequence' : `  differs: ${a.diff.map((s) => (s.op === '=' ? s.token : `${s.op}${s.token}`)).join(' ')}   (- ${labels.daemon} only, + ${labels.model} only)`);
    lines.push(`  ${'lock class'.padEnd(17)} ${`wait ms/call ${labels.daemon} | ${labels.model}`.padEnd(32)} hold ms/call ${labels.daemon} | ${labels.model}`);
    for (const cls of CLASS_ORDER) {
      const dw = a.daemon?.waitMs[cls];
      const mw = a.model?.waitMs[cls];
      const dh = a.daemon?.holdMs[cls];
      const mh = a.model?.holdMs[cls];
      if (dw === undefined && mw === undefined && dh === undefined && mh === undefined) continue;
      lines.push(`  ${cls.padEnd(17)} ${`${cell(dw).padStart(12)} | ${cell(mw)}`.padEnd(32)} ${cell(dh).padStart(12)} | ${cell(mh)}`);
    }
    lines.push('');
  }
  const extra = Object.entries(c.daemonOnly);
  if (extra.length > 0) lines.push(`calls only the ${labels.daemon} served (virsh's own): ${extra.map(([k, n]) => `${k} ×${n}`).join(', ')}`);
  return lines.join('\n');
}

/** One API's latency over several runs of the daemon beside the model's. */
export interface RepeatedLatency {
  api: string;
  /** The daemon's p50 in each run, ms. */
  daemonP50Ms: number[];
  /** The median of those. */
  daemonMedianP50Ms: number;
  modelP50Ms: number;
  /** The larger of model/daemon and daemon/model: 1 is a perfect match. */
  factor: number;
}

/** Per API: the daemon's p50 in each of several comparisons (runs) against the same model run. */
export function repeatedLatencies(runs: Comparison[]): RepeatedLatency[] {
  if (runs.length === 0) return [];
  return runs[0].apis.map((a) => {
    const daemonP50Ms = runs.map((r) => r.apis.find((x) => x.api === a.api)?.daemon?.latencyP50Ms).filter((x): x is number => x !== undefined);
    const daemonMedianP50Ms = round(median(daemonP50Ms));
    const modelP50Ms = a.model?.latencyP50Ms ?? NaN;
    const factor = round(Math.max(modelP50Ms / daemonMedianP50Ms, daemonMedianP50Ms / modelP50Ms));
    return { api: a.api, daemonP50Ms, daemonMedianP50Ms, modelP50Ms, factor };
  });
}

/** The repeated latencies as text: one line per API, with the factor between the two. */
export function formatRepeated(rows: RepeatedLatency[], labels = { daemon: 'daemon', model: 'model' }): string {
  const lines = [`p50 per API over ${rows[0]?.daemonP50Ms.length ?? 0} runs of the ${labels.daemon} (ms): each run | median | ${labels.model} | factor`];
  for (const r of rows) {
    lines.push(`  ${r.api.padEnd(26)} ${r.daemonP50Ms.map(cell).join(' ')} | ${cell(r.daemonMedianP50Ms)} | ${cell(r.modelP50Ms)} | ${r.factor.toFixed(2)}x`);
  }
  return lines.join('\n');
}
