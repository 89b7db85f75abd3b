// What remote tracers sent, on disk, so that their runs survive a restart of the server: at
// start the server re-creates each unfinished ingest run under its id from the frames kept here,
// and the tracer resumes it from the last frame the server acknowledged (`seq`).
//
// Per run: `<id>.json` (the run's configuration) and `<id>.frames` (the accepted frames, back
// to back, appended before the server acknowledges them). Both go when the run ends.
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isId } from '../ids.js';

export interface JournalledRun {
  id: string;
  config: Record<string, unknown>;
  /** The frames accepted so far, back to back. */
  frames: Uint8Array;
}

export class IngestJournal {
  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  open(id: string, config: Record<string, unknown>): void {
    writeFileSync(join(this.dir, `${id}.frames`), new Uint8Array(0));
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify(config));
  }

  /** Appends accepted frames; synchronous, so that what is acknowledged is on disk (a page-cache write: small). */
  append(id: string, frames: Uint8Array): void {
    if (frames.byteLength > 0) appendFileSync(join(this.dir, `${id}.frames`), frames);
  }

  /** Replaces a run's frames with the `length` first bytes (a torn write at the end is dropped). */
  truncate(id: string, frames: Uint8Array, length: number): void {
    writeFileSync(join(this.dir, `${id}.frames`), frames.subarray(0, length));
  }

  end(id: string): void {
    rmSync(join(this.dir, `${id}.frames`), { force: true });
    rmSync(join(this.dir, `${id}.json`), { force: true });
  }

  /** Every unfinished run kept here (unreadable entries are dropped). */
  restore(): JournalledRun[] {
    const out: JournalledRun[] = [];
    for (const name of readdirSync(this.dir)) {
      if (!name.endsWith('.json')) continue;
      const id = name.slice(0, -'.json'.length);
      const framesPath = join(this.dir, `${id}.frames`);
      try {
        if (!isId(id) || !existsSync(framesPath)) throw new Error('incomplete entry');
        const config = JSON.parse(readFileSync(join(this.dir, name), 'utf8')) as unknown;
        if (typeof config !== 'object' || config === null || Array.isArray(config)) throw new Error('configuration is not an object');
        out.push({ id, config: config as Record<string, unknown>, frames: new Uint8Array(readFileSync(framesPath)) });
      } catch {
        this.end(id);
      }
    }
    return out;
  }
}
