// What the stores share: the metadata row they read back, and the gathering of written bytes into
// chunks of a set size (a chunk is stored as one row).
import type { NewRecording, RecordingMeta, RecordingSource, RecordingWriter } from './recording-store.js';

/** The metadata columns of a `recordings` row; PostgreSQL gives BIGINT columns as strings. */
export interface MetaRow {
  id: string;
  title: string;
  created_at: string;
  events: number | string;
  source: string;
  bytes: number | string;
}

export function toMeta(row: MetaRow): RecordingMeta {
  return {
    id: row.id,
    title: row.title,
    createdAt: row.created_at,
    events: Number(row.events),
    source: row.source as RecordingSource,
    bytes: Number(row.bytes),
  };
}

/** Gathers written bytes (copied: a writer may reuse its buffer) into chunks of at least `size`. */
export class ChunkGatherer {
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Bytes written so far. */
  total = 0;

  constructor(private readonly size: number) {}

  /** Adds `chunk`; returns a full chunk to store when there is one. */
  add(chunk: Uint8Array): Buffer | null {
    this.pending.push(new Uint8Array(chunk)); // a copy even of a Buffer (Buffer#slice is a view)
    this.pendingBytes += chunk.byteLength;
    this.total += chunk.byteLength;
    return this.pendingBytes >= this.size ? this.take() : null;
  }

  /** What is gathered (the last, shorter chunk), or null when nothing is. */
  take(): Buffer | null {
    if (this.pendingBytes === 0) return null;
    const data = Buffer.concat(this.pending, this.pendingBytes);
    this.clear();
    return data;
  }

  clear(): void {
    this.pending = [];
    this.pendingBytes = 0;
  }
}

/** Where a store puts what a writer gathered. */
export interface ChunkSink {
  /** Stores the next chunk. */
  chunk(data: Buffer): Promise<void> | void;
  /** Makes the recording visible (its row); throws DuplicateRecordingError when the id exists. */
  record(recording: NewRecording, row: { createdAt: string; bytes: number; config: string | null }): Promise<void> | void;
  /** Drops the chunks stored (abort). */
  drop(): Promise<void> | void;
}

/** A RecordingWriter over a store's sink: gathers chunks of `chunkBytes`, then commits or aborts once. */
export function chunkedWriter(id: string, chunkBytes: number, sink: ChunkSink): RecordingWriter {
  const gathered = new ChunkGatherer(chunkBytes);
  let state: 'open' | 'committed' | 'aborted' = 'open';
  const open = (): void => {
    if (state !== 'open') throw new Error(`recording ${id} is ${state}`);
  };
  const store = async (data: Buffer | null): Promise<void> => {
    if (data) await sink.chunk(data);
  };
  return {
    write: async (chunk) => {
      open();
      if (chunk.byteLength > 0) await store(gathered.add(chunk));
    },
    commit: async (recording) => {
      open();
      await store(gathered.take());
      const row = {
        createdAt: new Date().toISOString(),
        bytes: gathered.total,
        config: recording.config === null || recording.config === undefined ? null : JSON.stringify(recording.config),
      };
      await sink.record(recording, row);
      state = 'committed';
      return { id, title: recording.title, createdAt: row.createdAt, events: recording.events, source: recording.source, bytes: row.bytes };
    },
    abort: async () => {
      if (state !== 'open') return;
      state = 'aborted';
      gathered.clear();
      await sink.drop();
    },
  };
}
