// Converting traces chunk by chunk: a stored binary trace to Chrome JSON or NDJSON, and an upload
// of any format to the binary file, in memory bounded by a window of events (plus the
// dictionaries) whatever the size of the trace.
import { BinaryFileReader, BinaryFileWriter } from './binary.js';
import { ChromeJsonWriter, fromChromeJson } from './chrome.js';
import { SNIFF_BYTES, detectFormat, type TraceFormat } from './detect.js';
import { TraceError, type Trace, type TraceMeta } from './model.js';
import { NdjsonReader, NdjsonWriter } from './ndjson.js';
import { RepairLog, type RepairWarning } from './repair.js';
import { TraceValidator } from './validate.js';

export type TextExportFormat = 'chrome' | 'ndjson';

/** Push the binary file's bytes in chunks of any size; take the text chunks each push returns. */
export class BinaryToTextConverter {
  private readonly reader = new BinaryFileReader();
  private readonly chrome: ChromeJsonWriter | null;
  private readonly ndjson: NdjsonWriter | null;
  private started = false;

  constructor(readonly format: TextExportFormat) {
    this.chrome = format === 'chrome' ? new ChromeJsonWriter() : null;
    this.ndjson = format === 'ndjson' ? new NdjsonWriter() : null;
  }

  /** Events converted so far. */
  get events(): number {
    return this.reader.events;
  }

  push(chunk: Uint8Array): string[] {
    this.reader.push(chunk);
    return this.drain();
  }

  /** The last chunks; throws TraceError if the file was truncated. */
  finish(): string[] {
    this.reader.finish();
    const out = this.drain(true);
    out.push(this.chrome ? this.chrome.end(this.reader.trace) : this.ndjson!.end());
    return out;
  }

  private drain(final = false): string[] {
    const { trace, dropped } = this.reader;
    // Nothing decoded yet: wait for the first frame (it carries the meta the header shows).
    if (trace.length === 0 && !final && trace.threads.length === 0) return [];
    const out: string[] = [];
    if (this.chrome) {
      if (!this.started) out.push(this.chrome.begin());
      for (const c of this.chrome.events(trace, dropped)) out.push(c);
    } else {
      for (const c of this.ndjson!.events(trace, dropped)) out.push(c);
    }
    this.started = true;
    this.reader.drop();
    return out;
  }
}

/** What an import found, besides the binary file it wrote. */
export interface ImportSummary {
  format: TraceFormat;
  events: number;
  meta: TraceMeta;
  /** Repairs of a foreign trace (Chrome JSON from another recorder); empty for Lockscope's formats. */
  warnings: RepairWarning[];
}

/**
 * Reads a trace of any format pushed in chunks, validates it and writes it as Lockscope's binary
 * file, chunk by chunk. Binary and NDJSON are read in windows (memory bounded by a chunk of
 * events, whatever the size); Chrome JSON is parsed whole at the end (its caller bounds its size).
 * Lockscope's formats must be valid (TraceError with the first offending event's index); a
 * foreign Chrome trace is repaired and the repairs reported. Errors: see detectFormat.
 */
export class TraceImporter {
  private head: Uint8Array[] = [];
  private headBytes = 0;
  private format: TraceFormat | null = null;
  private binary: BinaryFileReader | null = null;
  private ndjson: NdjsonReader | null = null;
  private chromeParts: Uint8Array[] = [];
  private readonly validator = new TraceValidator();
  private readonly writer = new BinaryFileWriter();

  /** Binary file chunks ready to store. */
  push(chunk: Uint8Array): Uint8Array[] {
    if (this.format === null) {
      this.head.push(new Uint8Array(chunk)); // a copy (Buffer#slice would not be one)
      this.headBytes += chunk.length;
      if (this.headBytes < SNIFF_BYTES) return [];
      return this.start();
    }
    return this.feed(chunk);
  }

  finish(): { chunks: Uint8Array[]; summary: ImportSummary } {
    const chunks = this.format === null ? this.start() : [];
    const repairs = new RepairLog();
    let reader: { trace: Trace; dropped: number };
    if (this.binary) {
      this.binary.finish();
      reader = this.binary;
    } else if (this.ndjson) {
      this.ndjson.finish();
      reader = this.ndjson;
    } else {
      const bytes = concatBytes(this.chromeParts);
      this.chromeParts = [];
      reader = { trace: fromChromeJson(bytes, { repairs }), dropped: 0 };
    }
    chunks.push(...this.window(reader), ...this.writer.end(reader.trace, reader.dropped));
    const summary: ImportSummary = { format: this.format!, events: reader.dropped + reader.trace.length, meta: reader.trace.meta, warnings: repairs.warnings };
    return { chunks, summary };
  }

  private start(): Uint8Array[] {
    const head = concatBytes(this.head);
    this.head = [];
    this.format = detectFormat(head);
    if (this.format === 'binary') this.binary = new BinaryFileReader();
    else if (this.format === 'ndjson') this.ndjson = new NdjsonReader();
    return [this.writer.header(), ...this.feed(head)];
  }

  private feed(chunk: Uint8Array): Uint8Array[] {
    if (this.binary) {
      this.binary.push(chunk);
      return this.window(this.binary);
    }
    if (this.ndjson) {
      this.ndjson.push(chunk);
      return this.window(this.ndjson);
    }
    this.chromeParts.push(new Uint8Array(chunk));
    return [];
  }

  /** Validates the events read since the last window, encodes them, and drops them. */
  private window(reader: { trace: Trace; dropped: number; drop?: () => void }): Uint8Array[] {
    const result = this.validator.check(reader.trace, reader.dropped);
    if (!result.ok) throw new TraceError(result.reason, result.index >= 0 ? result.index : undefined);
    const out = [...this.writer.frames(reader.trace, reader.dropped)];
    reader.drop?.();
    return out;
  }
}

/** The parts as one buffer (the part itself when there is only one). */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
