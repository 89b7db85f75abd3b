// Reads the library's two files while libvirtd is still writing them.
import { closeSync, existsSync, openSync, readSync, readFileSync, fstatSync } from 'node:fs';
import { TraceDecoder, type DecoderOptions } from './decoder.js';

const CHUNK = 1 << 20;

/** Follows `<prefix>.events` and `<prefix>.names`: each `poll()` decodes what was appended. */
export class TraceFollower {
  readonly decoder: TraceDecoder;
  private eventsFd: number | null = null;
  private namesFd: number | null = null;
  private eventsPos = 0;
  private namesPos = 0;
  private readonly buf = Buffer.allocUnsafe(CHUNK);
  private readonly utf8 = new TextDecoder('utf-8');

  constructor(
    readonly prefix: string,
    decoder: TraceDecoder | DecoderOptions = {},
  ) {
    this.decoder = decoder instanceof TraceDecoder ? decoder : new TraceDecoder(decoder);
  }

  /** Reads new bytes and returns the number of events added to `decoder.trace`. */
  poll(final = false): number {
    // Events first, then names: every name a record refers to is written before the record.
    this.eventsFd ??= this.open(`${this.prefix}.events`);
    this.namesFd ??= this.open(`${this.prefix}.names`);
    if (this.eventsFd === null || this.namesFd === null) return 0;
    const events: Buffer[] = [];
    this.eventsPos = this.readNew(this.eventsFd, this.eventsPos, (b) => events.push(Buffer.from(b)));
    this.namesPos = this.readNew(this.namesFd, this.namesPos, (b) => this.decoder.pushNames(this.utf8.decode(b, { stream: true })));
    for (const e of events) this.decoder.pushEvents(e);
    return this.decoder.drain(final);
  }

  close(): void {
    if (this.eventsFd !== null) closeSync(this.eventsFd);
    if (this.namesFd !== null) closeSync(this.namesFd);
    this.eventsFd = this.namesFd = null;
  }

  private open(path: string): number | null {
    return existsSync(path) ? openSync(path, 'r') : null;
  }

  private readNew(fd: number, pos: number, sink: (b: Uint8Array) => void): number {
    const size = fstatSync(fd).size;
    while (pos < size) {
      const n = readSync(fd, this.buf, 0, Math.min(CHUNK, size - pos), pos);
      if (n <= 0) break;
      sink(this.buf.subarray(0, n));
      pos += n;
    }
    return pos;
  }
}

/** Decodes a finished recording (`<prefix>.events` + `<prefix>.names`). */
export function decodeTraceFiles(prefix: string, options: DecoderOptions = {}): TraceDecoder {
  const decoder = new TraceDecoder(options);
  decoder.pushNames(readFileSync(`${prefix}.names`, 'utf8') + '\n');
  decoder.pushEvents(readFileSync(`${prefix}.events`));
  decoder.drain(true);
  return decoder;
}
