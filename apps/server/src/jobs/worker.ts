// A trace job's thread: parsing, validating, encoding and converting traces happen here, never on
// the server's event loop. It answers each input message with the output it produced.
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { BinaryToTextConverter, TraceError, TraceImporter, UnsupportedFormatError } from '@lockscope/trace';
import type { FromJob, JobFailure, JobInit, ToJob } from './protocol.js';

// Background work: on Linux this lowers only this thread's priority (a thread is a task), so
// that the server's thread, answering everyone else, gets the CPU first when cores are short.
try {
  setPriority(10);
} catch {
  // Not permitted here: the job runs at the normal priority.
}

const init = workerData as JobInit;
const port = parentPort!;
const utf8 = new TextEncoder();
const converter = init.kind === 'export' ? new BinaryToTextConverter(init.format) : null;
const importer = init.kind === 'import' ? new TraceImporter() : null;

function failure(error: unknown): JobFailure {
  if (error instanceof UnsupportedFormatError) return { kind: 'unsupported', message: error.message };
  if (error instanceof TraceError) {
    return error.eventIndex === undefined ? { kind: 'malformed', message: error.message } : { kind: 'invalid', message: error.message, index: error.eventIndex };
  }
  // A RangeError from a hostile input (stack depth, string length) is still the input's fault.
  if (error instanceof RangeError) return { kind: 'malformed', message: `the trace cannot be read: ${error.message}` };
  return { kind: 'internal', message: error instanceof Error ? error.message : String(error) };
}

const text = (strings: string[]): Uint8Array[] => strings.map((s) => utf8.encode(s));

function reply(message: FromJob): void {
  port.postMessage(message, message.type === 'error' ? [] : message.chunks.map((c) => c.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i));
}

let failed = false;
port.on('message', (message: ToJob) => {
  if (failed) return;
  try {
    if (message.type === 'chunk') {
      reply({ type: 'out', chunks: converter ? text(converter.push(message.bytes)) : importer!.push(message.bytes) });
    } else if (converter) {
      reply({ type: 'done', chunks: text(converter.finish()) });
    } else {
      const { chunks, summary } = importer!.finish();
      reply({ type: 'done', chunks, summary });
    }
  } catch (error) {
    failed = true;
    reply({ type: 'error', failure: failure(error) });
  }
});
