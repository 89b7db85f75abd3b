// NDJSON, the format for humans and for line tools (grep, jq): one JSON object per line.
//
//   {"type":"header","format":"lockscope-ndjson","version":1,"meta":{...}}     first line
//   {"type":"thread","id":0,"name":"worker-1","role":"worker"}
//   {"type":"lock","id":0,"name":"vm-1","class":"domain-object","kind":"mutex","subject":"vm-1"}
//   {"type":"labels","from":0,"labels":["virDomainCreateXML", ...]}
//   {"t":0,"kind":"lock.request","thread":0,"lock":0,"mode":"exclusive"}      a TraceEvent
//   {"type":"end","events":12345}                                              last line
//
// The end line is required: it is how a file cut at a line boundary is seen as truncated.
// Dictionary lines may appear anywhere before the events that use them; ids must come in order.
// A mark without a thread has "thread": 4294967295 (NONE), as in TraceEvent; null is accepted.
import {
  EVENT_KIND_NAMES,
  LOCK_CLASSES,
  LOCK_KINDS,
  LOCK_MODES,
  MAX_TIME_NS,
  NONE,
  SPAN_KINDS,
  THREAD_ROLES,
  Trace,
  TraceError,
  metaProblem,
  type LockInfo,
  type TraceEvent,
} from './model.js';
import { utf8Text } from './bytes.js';

export const NDJSON_FORMAT = 'lockscope-ndjson';
export const NDJSON_VERSION = 1;
const LINES_PER_CHUNK = 8192;

/** The trace as NDJSON chunks of whole lines (for traces too big for one string). */
export function* toNdjsonChunks(trace: Trace): Generator<string> {
  const writer = new NdjsonWriter();
  yield* writer.events(trace);
  yield writer.end();
}

/**
 * Writes NDJSON as events arrive, for traces read in windows (see BinaryFileReader): after each
 * window `events(trace, dropped)` (event i of `trace` is event `dropped + i`), then `end()`. The
 * header goes first (with the meta known then), dictionary lines just before the events that
 * use them. Chunks are whole lines.
 */
export class NdjsonWriter {
  private started = false;
  private threads = 0;
  private locks = 0;
  private labels = 0;
  private written = 0;

  *events(trace: Trace, dropped = 0): Generator<string> {
    const head: string[] = [];
    if (!this.started) {
      head.push(JSON.stringify({ type: 'header', format: NDJSON_FORMAT, version: NDJSON_VERSION, meta: trace.meta ?? {} }));
      this.started = true;
    }
    for (; this.threads < trace.threads.length; this.threads++) {
      const t = trace.threads[this.threads];
      head.push(JSON.stringify({ type: 'thread', id: t.id, name: t.name, role: t.role }));
    }
    for (; this.locks < trace.locks.length; this.locks++) head.push(JSON.stringify({ type: 'lock', ...trace.locks[this.locks] }));
    for (let from = this.labels; from < trace.labels.length; from += LINES_PER_CHUNK) {
      head.push(JSON.stringify({ type: 'labels', from, labels: trace.labels.slice(from, from + LINES_PER_CHUNK) }));
    }
    this.labels = trace.labels.length;
    if (head.length > 0) yield head.join('\n') + '\n';
    const first = this.written - dropped;
    if (first < 0) throw new TraceError(`events [${dropped + first}, ${dropped}) were dropped before they were written`);
    for (let from = first; from < trace.length; from += LINES_PER_CHUNK) {
      const lines: string[] = [];
      const to = Math.min(trace.length, from + LINES_PER_CHUNK);
      for (let i = from; i < to; i++) lines.push(JSON.stringify(trace.event(i)));
      yield lines.join('\n') + '\n';
    }
    this.written = dropped + trace.length;
  }

  end(): string {
    return JSON.stringify({ type: 'end', events: this.written }) + '\n';
  }
}

export function toNdjson(trace: Trace): string {
  let out = '';
  for (const chunk of toNdjsonChunks(trace)) out += chunk;
  return out;
}

type Json = Record<string, unknown>;

const KIND_NAMES = new Set<string>(EVENT_KIND_NAMES);

/**
 * Parses NDJSON (text or UTF-8 bytes). Throws `TraceError` naming the line on any malformed or
 * truncated input (a last line without its newline is accepted only if it is complete JSON);
 * never returns a partial trace. Ids are checked against the dictionaries; the lock invariants
 * are the validator's job.
 */
export function fromNdjson(input: string | Uint8Array): Trace {
  const text = typeof input === 'string' ? input : utf8Text(input, 'NDJSON');
  const reader = new NdjsonReader();
  reader.pushText(text);
  reader.finish();
  reader.trace.compact();
  return reader.trace;
}

/**
 * Parses NDJSON pushed in chunks of any size (UTF-8 bytes cut anywhere), line by line: `trace`
 * holds the dictionaries and the events read since the last `drop` (event i of `trace` is event
 * `dropped + i` of the file), so a file of any size is read in bounded memory.
 */
export class NdjsonReader {
  readonly trace = new Trace();
  dropped = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private partial = '';
  private lineNo = 0;
  private sawHeader = false;
  private sawEnd = false;

  get events(): number {
    return this.dropped + this.trace.length;
  }

  push(bytes: Uint8Array): void {
    let text: string;
    try {
      text = this.decoder.decode(bytes, { stream: true });
    } catch {
      throw new TraceError('NDJSON: input is not valid UTF-8');
    }
    this.pushText(text);
  }

  pushText(text: string): void {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const line = this.partial + text.slice(start, nl);
      this.partial = '';
      this.line(line);
      start = nl + 1;
    }
    this.partial += text.slice(start);
    if (this.partial.length > MAX_LINE_CHARS) throw new TraceError(`NDJSON line ${this.lineNo + 1}: longer than ${MAX_LINE_CHARS} characters`);
  }

  drop(): void {
    this.dropped += this.trace.length;
    this.trace.length = 0;
  }

  finish(): void {
    if (this.partial !== '') {
      const last = this.partial;
      this.partial = '';
      this.line(last);
    }
    if (!this.sawHeader) throw new TraceError('NDJSON: empty input (no header line)');
    if (!this.sawEnd) throw new TraceError(`NDJSON: truncated after ${this.lineNo} lines (no {"type":"end"} line)`);
  }

  private line(raw: string): void {
    this.lineNo++;
    const line = raw.trim();
    if (line === '') return;
    const lineNo = this.lineNo;
    const trace = this.trace;
    const fail = (msg: string): never => {
      throw new TraceError(`NDJSON line ${lineNo}: ${msg}`);
    };
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      fail('not valid JSON (truncated or malformed)');
    }
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) fail('not a JSON object');
    const o = obj as Json;
    if (this.sawEnd) fail('content after the end line');
    if (o.type === 'end') {
      if (o.events !== this.events) fail(`the end line counts ${JSON.stringify(o.events)} events, the file holds ${this.events}`);
      this.sawEnd = true;
      return;
    }
    if (!this.sawHeader) {
      if (o.type !== 'header' || o.format !== NDJSON_FORMAT) fail(`the first line must be the header {"type":"header","format":"${NDJSON_FORMAT}",...}`);
      if (o.version !== NDJSON_VERSION) fail(`unsupported version ${JSON.stringify(o.version)} (this Lockscope reads version ${NDJSON_VERSION})`);
      if (o.meta !== undefined) {
        const problem = metaProblem(o.meta);
        if (problem !== null) fail(problem);
      }
      trace.meta = (o.meta as Json | undefined) ?? {};
      this.sawHeader = true;
      return;
    }
    if ('type' in o) readDictionaryLine(trace, o, fail);
    else trace.append(readEvent(trace, o, fail));
  }
}

/** Longest NDJSON line read (a line holds one event or one dictionary entry). */
const MAX_LINE_CHARS = 16 * 1024 * 1024;

function str(o: Json, key: string, fail: (m: string) => never): string {
  const v = o[key];
  if (typeof v !== 'string') fail(`"${key}" must be a string`);
  return v as string;
}

function oneOf<T extends string>(values: readonly T[], o: Json, key: string, fail: (m: string) => never): T {
  const v = o[key];
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) fail(`"${key}" must be one of ${values.join(', ')}`);
  return v as T;
}

function readDictionaryLine(trace: Trace, o: Json, fail: (m: string) => never): void {
  switch (o.type) {
    case 'thread': {
      if (o.id !== trace.threads.length) fail(`thread id ${JSON.stringify(o.id)} out of order (expected ${trace.threads.length})`);
      trace.addThread(str(o, 'name', fail), oneOf(THREAD_ROLES, o, 'role', fail));
      return;
    }
    case 'lock': {
      if (o.id !== trace.locks.length) fail(`lock id ${JSON.stringify(o.id)} out of order (expected ${trace.locks.length})`);
      const info: Omit<LockInfo, 'id'> = { name: str(o, 'name', fail), class: oneOf(LOCK_CLASSES, o, 'class', fail), kind: oneOf(LOCK_KINDS, o, 'kind', fail) };
      if (o.subject !== undefined) info.subject = str(o, 'subject', fail);
      trace.addLock(info);
      return;
    }
    case 'labels': {
      if (o.from !== trace.labels.length) fail(`labels from ${JSON.stringify(o.from)} out of order (expected ${trace.labels.length})`);
      const labels = o.labels;
      if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) fail('"labels" must be an array of strings');
      trace.appendLabels(labels as string[]);
      return;
    }
    case 'header':
      return fail('a second header');
    default:
      return fail(`unknown line type ${JSON.stringify(o.type)}`);
  }
}

function readEvent(trace: Trace, o: Json, fail: (m: string) => never): TraceEvent {
  const t = o.t;
  if (typeof t !== 'number' || !Number.isFinite(t)) fail('"t" must be a finite number (ns)');
  if (!(Math.abs(t as number) < MAX_TIME_NS)) fail(`"t" must be below 2^51 ns (26 days), got ${t as number}`);
  const kind = o.kind;
  if (typeof kind !== 'string' || !KIND_NAMES.has(kind)) fail(`"kind" must be one of ${EVENT_KIND_NAMES.join(', ')}`);
  const threadId = (allowNone: boolean): number => {
    const v = o.thread;
    if (allowNone && (v === null || v === undefined || v === NONE)) return NONE;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v >= trace.threads.length) fail(`unknown thread ${JSON.stringify(v)}`);
    return v as number;
  };
  switch (kind) {
    case 'lock.request':
    case 'lock.acquired':
    case 'lock.released': {
      const lock = o.lock;
      if (typeof lock !== 'number' || !Number.isInteger(lock) || lock < 0 || lock >= trace.locks.length) fail(`unknown lock ${JSON.stringify(lock)}`);
      return { t: t as number, kind, thread: threadId(false), lock: lock as number, mode: oneOf(LOCK_MODES, o, 'mode', fail) };
    }
    case 'span.begin': {
      const e: TraceEvent = { t: t as number, kind, thread: threadId(false), spanKind: oneOf(SPAN_KINDS, o, 'spanKind', fail), label: str(o, 'label', fail) };
      if (o.subject !== undefined) e.subject = str(o, 'subject', fail);
      return e;
    }
    case 'span.end':
      return { t: t as number, kind, thread: threadId(false) };
    default:
      return { t: t as number, kind: 'mark', thread: threadId(true), label: str(o, 'label', fail) };
  }
}
