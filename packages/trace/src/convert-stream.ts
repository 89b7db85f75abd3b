// Converting a stored binary trace to Chrome JSON or NDJSON chunk by chunk, in memory bounded by
// one frame of events (plus the dictionaries), whatever the size of the trace.
import { BinaryFileReader } from './binary.js';
import { ChromeJsonWriter } from './chrome.js';
import { NdjsonWriter } from './ndjson.js';

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
