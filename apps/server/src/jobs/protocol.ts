// Messages between the server's thread and a trace job's worker thread (worker.ts).
import type { ImportSummary, TextExportFormat } from '@lockscope/trace';

/** What a job does: convert a stored binary trace to text, or import an upload of any format. */
export type JobInit = { kind: 'export'; format: TextExportFormat } | { kind: 'import' };

/** To the worker: the input in chunks, then its end. One reply per message. */
export type ToJob = { type: 'chunk'; bytes: Uint8Array } | { type: 'end' };

/** Why a job failed, in terms the server maps to HTTP statuses. */
export interface JobFailure {
  /**
   * unsupported -> 415; malformed -> 400; invalid (an event breaks the model) -> 422; too-large
   * (the job ran out of its memory, e.g. a huge Chrome JSON, which is parsed whole) -> 413;
   * internal -> 500.
   */
  kind: 'unsupported' | 'malformed' | 'invalid' | 'too-large' | 'internal';
  message: string;
  index?: number;
}

/** From the worker: the output of each input message (UTF-8 text or binary file chunks). */
export type FromJob =
  | { type: 'out'; chunks: Uint8Array[] }
  | { type: 'done'; chunks: Uint8Array[]; summary?: ImportSummary }
  | { type: 'error'; failure: JobFailure };
