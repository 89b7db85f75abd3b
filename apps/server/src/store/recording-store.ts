// Where recordings live. Recordings are immutable: written once, read many times, never updated.
//
// The contract every store (SQLite here, PostgreSQL elsewhere) implements:
// - A trace is written and read in chunks, never as one buffer, so that a recording of any size
//   costs the server only the chunks in flight. A chunk is any non-empty byte range of the binary
//   trace file (@lockscope/trace's encodeTrace format); the store keeps the chunks in order and
//   gives them back in the same order (it need not keep the same boundaries).
// - Writing is `begin` -> `write`* -> `commit` (or `abort`). Until `commit` resolves nothing of
//   the recording is visible (`meta`, `info`, `list`, `chunks` do not see it); after it, all of it
//   is. A crash or an `abort` mid-way leaves nothing behind (a store cleans leftovers on open).
//   `commit` rejects with `DuplicateRecordingError` if the id exists (the first one is kept).
// - Every method is asynchronous, so that a networked store can implement it; none blocks the
//   event loop for longer than one chunk.
// - `chunks` returns an async iterable that reads lazily: the consumer's pace (backpressure)
//   decides how much is read. Breaking out of the loop releases what the store holds.

import { concatBytes } from '@lockscope/trace';
import type { RecordingMeta, RecordingSource } from '@lockscope/trace/protocol';

export type { RecordingMeta, RecordingSource };

/** What `commit` records beside the chunks written. */
export interface NewRecording {
  title: string;
  events: number;
  source: RecordingSource;
  /** The run's configuration (scenario, params, preset, knobs, seed, live changes), or null. */
  config: unknown;
}

export interface RecordingPage {
  items: RecordingMeta[];
  total: number;
  limit: number;
  offset: number;
}

/** One recording being written; see the contract above. */
export interface RecordingWriter {
  /** Appends a chunk of the binary trace (empty chunks are ignored). */
  write(chunk: Uint8Array): Promise<void>;
  /** Makes the recording visible, all of it at once. */
  commit(recording: NewRecording): Promise<RecordingMeta>;
  /** Drops what was written; safe to call after a failed write or commit, and twice. */
  abort(): Promise<void>;
}

export interface RecordingStore {
  /** Starts writing recording `id`. */
  begin(id: string): Promise<RecordingWriter>;
  /** The binary trace of `id`, chunk by chunk; undefined when there is no such recording. */
  chunks(id: string): Promise<AsyncIterable<Uint8Array> | undefined>;
  meta(id: string): Promise<RecordingMeta | undefined>;
  /** Metadata and configuration, without the trace. */
  info(id: string): Promise<{ meta: RecordingMeta; config: unknown } | undefined>;
  /** Newest first. `offset` may be past the end (an empty page). */
  list(limit: number, offset: number): Promise<RecordingPage>;
  close(): Promise<void>;
}

/** `commit` of an id that already exists. */
export class DuplicateRecordingError extends Error {
  constructor(readonly id: string) {
    super(`recording ${id} already exists`);
    this.name = 'DuplicateRecordingError';
  }
}

/** Stores a whole recording from chunks (or one buffer): begin, write each, commit; abort on any failure. */
export async function putRecording(
  store: RecordingStore,
  id: string,
  recording: NewRecording,
  trace: Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
): Promise<RecordingMeta> {
  const writer = await store.begin(id);
  try {
    if (trace instanceof Uint8Array) await writer.write(trace);
    else for await (const chunk of trace) await writer.write(chunk);
    return await writer.commit(recording);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}

/** Reads a whole stored trace into one buffer (tests and small recordings only). */
export async function readRecording(store: RecordingStore, id: string): Promise<Uint8Array | undefined> {
  const chunks = await store.chunks(id);
  if (!chunks) return undefined;
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return concatBytes(parts);
}
