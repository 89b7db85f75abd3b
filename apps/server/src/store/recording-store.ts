// Where recordings live. Recordings are immutable: put once, read many times, never updated.
// The interface is asynchronous so that a networked store (Postgres) can implement it too.

/** Where a recording came from. */
export type RecordingSource = 'simulated' | 'traced' | 'upload';

export interface RecordingMeta {
  id: string;
  title: string;
  /** ISO 8601 creation time. */
  createdAt: string;
  events: number;
  source: RecordingSource;
  /** Size of the stored binary trace, in bytes. */
  bytes: number;
}

export interface NewRecording {
  id: string;
  title: string;
  events: number;
  source: RecordingSource;
  /** The run's configuration (scenario, params, preset, knobs, seed, live changes), or null. */
  config: unknown;
  /** The trace in the binary file format of @lockscope/trace. */
  trace: Uint8Array;
}

export interface StoredRecording {
  meta: RecordingMeta;
  config: unknown;
  trace: Uint8Array;
}

export interface RecordingPage {
  items: RecordingMeta[];
  total: number;
  limit: number;
  offset: number;
}

export interface RecordingStore {
  /** Stores a new recording atomically: either all of it is stored or nothing is. */
  put(recording: NewRecording): Promise<RecordingMeta>;
  get(id: string): Promise<StoredRecording | undefined>;
  meta(id: string): Promise<RecordingMeta | undefined>;
  /** Metadata and configuration, without the trace. */
  info(id: string): Promise<{ meta: RecordingMeta; config: unknown } | undefined>;
  /** Newest first. */
  list(limit: number, offset: number): Promise<RecordingPage>;
  close(): Promise<void>;
}
