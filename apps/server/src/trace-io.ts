// Trace formats at the server's edge, streamed: uploads are read chunk by chunk (with a size limit
// and an idle timeout), detected, parsed, validated and encoded in a worker thread and stored in
// chunks; downloads are read from the store in chunks and converted in a worker thread, at the
// pace the client reads them. No trace is ever held whole on the server's thread.
import { Readable } from 'node:stream';
import type { ImportSummary, TraceFormat } from '@lockscope/trace';
import { HttpError } from './errors.js';
import { JobError, TraceJob } from './jobs/jobs.js';
import type { RecordingWriter } from './store/recording-store.js';

/** Input is handed to a job in pieces of at most this size (a window of some 10 k events). */
const PIECE_BYTES = 64 * 1024;

function* pieces(chunk: Uint8Array): Generator<Uint8Array> {
  for (let at = 0; at < chunk.byteLength; at += PIECE_BYTES) yield chunk.subarray(at, Math.min(chunk.byteLength, at + PIECE_BYTES));
}

/** A job's failure as the HTTP error the client gets. */
export function jobHttpError(error: unknown): unknown {
  if (!(error instanceof JobError)) return error;
  const f = error.failure;
  if (f.kind === 'unsupported') return new HttpError(415, 'unsupported_media_type', f.message);
  if (f.kind === 'malformed') return new HttpError(400, 'malformed_trace', `malformed trace: ${f.message}`);
  if (f.kind === 'invalid') return new HttpError(422, 'invalid_trace', f.message, f.index === undefined ? {} : { index: f.index });
  if (f.kind === 'too-large') return new HttpError(413, 'body_too_large', f.message);
  return error;
}

export interface BodyLimits {
  /** Largest body, in bytes (413 beyond). */
  maxBytes: number;
  /** Longest wait for the next bytes of the body, in ms (408, and the connection is closed). */
  idleMs: number;
}

/** The chunks of a request body, enforcing its size limit and idle timeout. */
export async function* readBody(body: Readable, limits: BodyLimits): AsyncGenerator<Uint8Array> {
  const it = body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  let size = 0;
  try {
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const idle = new Promise<'idle'>((resolve) => {
        timer = setTimeout(() => resolve('idle'), limits.idleMs);
      });
      const next = await Promise.race([it.next(), idle]).finally(() => clearTimeout(timer));
      if (next === 'idle') {
        body.destroy();
        throw new HttpError(408, 'timeout', `the request body stalled: no bytes for ${limits.idleMs} ms`);
      }
      if (next.done) return;
      size += next.value.byteLength;
      if (size > limits.maxBytes) {
        body.destroy();
        throw new HttpError(413, 'body_too_large', `the upload is larger than the limit of ${limits.maxBytes} bytes`);
      }
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}

/**
 * Imports a trace upload: each chunk of `body` goes through a worker (detection, parsing,
 * validation, binary encoding) and what it writes goes to `writer`. Does not commit: the caller
 * does, with the summary, or aborts on any error.
 */
export async function importTrace(body: AsyncIterable<Uint8Array>, writer: RecordingWriter): Promise<ImportSummary> {
  const job = new TraceJob({ kind: 'import' });
  let empty = true;
  try {
    for await (const chunk of body) {
      if (chunk.byteLength > 0) empty = false;
      for (const piece of pieces(chunk)) for (const out of await job.send(piece)) await writer.write(out);
    }
    if (empty) throw new HttpError(400, 'malformed_trace', 'the upload is empty: send the trace file as the request body');
    const { chunks, summary } = await job.end();
    for (const out of chunks) await writer.write(out);
    if (!summary) throw new Error('the import job ended without a summary');
    return summary;
  } catch (error) {
    throw jobHttpError(error);
  } finally {
    job.stop();
  }
}

export const CONTENT_TYPES: Record<TraceFormat, string> = {
  binary: 'application/octet-stream',
  ndjson: 'application/x-ndjson; charset=utf-8',
  chrome: 'application/json; charset=utf-8',
};

/**
 * The stored binary trace as a readable stream in `format`: the chunks as they are for binary,
 * converted in a worker for the text formats. Pulled at the client's pace (backpressure); `done`
 * runs once when the stream ends, fails or is abandoned.
 */
export function exportTrace(chunks: AsyncIterable<Uint8Array>, format: TraceFormat, done: () => void): Readable {
  async function* binary(): AsyncGenerator<Uint8Array> {
    try {
      yield* chunks;
    } finally {
      done();
    }
  }
  async function* text(textFormat: 'chrome' | 'ndjson'): AsyncGenerator<Uint8Array> {
    const job = new TraceJob({ kind: 'export', format: textFormat });
    // One piece converts while the output of the one before is written out.
    let inflight: Promise<Uint8Array[]> | null = null;
    try {
      for await (const chunk of chunks) {
        for (const piece of pieces(chunk)) {
          const next = job.send(piece);
          next.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
          if (inflight) yield* await inflight;
          inflight = next;
        }
      }
      if (inflight) yield* await inflight;
      yield* (await job.end()).chunks;
    } finally {
      job.stop();
      done();
    }
  }
  return Readable.from(format === 'binary' ? binary() : text(format), { objectMode: false, highWaterMark: 1 << 20 });
}
