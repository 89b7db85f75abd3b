// The wire protocol between the server and its clients (the web app, scripts): the one copy of
// every message and JSON shape both sides use. Imported as `@lockscope/trace/protocol`; the
// server builds these, the browser reads them. docs/protocol.md describes each in prose.
import type { ImportSummary } from './convert-stream.js';
import type { RepairWarning } from './repair.js';
import type { TraceFormat } from './detect.js';

/** Version of the stream protocol, sent in `hello`. */
export const PROTOCOL_VERSION = 1;

/** Simulated seconds per wall second, or as fast as the viewers take them. */
export type Speed = number | 'max';
/** Largest numeric speed. */
export const MAX_SPEED = 1_000_000;

export type RunState = 'running' | 'paused' | 'done' | 'stopped';
/** Why a run ended: its source finished, it reached the event cap, nobody watched, or it was asked to. */
export type EndReason = 'finished' | 'event-limit' | 'idle' | 'requested' | 'shutdown' | 'source-error';

/** A live strategy change: one knob, or a whole preset. */
export type StrategyChange = { knob: string; value: string | number } | { preset: string };

/** A live change as recorded with the run (and with recordings made from it). */
export interface AppliedChange {
  simTimeNs: number;
  change: StrategyChange;
}

export const CONTROL_TYPES = ['set', 'preset', 'pause', 'resume', 'speed', 'stop'] as const;

/** What a viewer sends on the stream socket (or POSTs to /api/runs/:id/control). */
export type ControlMessage =
  | { type: 'set'; knob: string; value: string | number }
  | { type: 'preset'; name: string }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'speed'; value: Speed }
  | { type: 'stop' };

/** The JSON `status` message, sent about once a second and on every change. */
export interface RunStatus {
  type: 'status';
  state: RunState;
  reason?: EndReason;
  simTimeNs: number;
  speed: Speed;
  events: number;
  strategy: Record<string, unknown> | undefined;
  viewers: number;
  /** Wall time (ms since epoch) at which simulated time was `simTimeNs`: a viewer derives each event's due time from it. */
  clock: { wallMs: number; simTimeNs: number };
}

/** Where a recording came from. */
export type RecordingSource = 'simulated' | 'traced' | 'upload';

/** A run as GET /api/runs/:id and the `hello` message describe it. */
export interface RunDescription {
  id: string;
  source: RecordingSource;
  state: RunState;
  reason?: EndReason;
  createdAt: string;
  config: Record<string, unknown>;
  speed: Speed;
  simTimeNs: number;
  /** Events the run holds; a capped run stops at exactly `limits.maxEvents`. */
  events: number;
  strategy: Record<string, unknown> | undefined;
  changes: AppliedChange[];
  viewers: number;
  limits: { maxEvents: number };
}

/** The first message on a run's stream. */
export interface Hello {
  type: 'hello';
  protocol: typeof PROTOCOL_VERSION;
  format: 'binary' | 'ndjson';
  run: RunDescription;
}

/** An error on the stream socket (the socket stays open). */
export interface StreamError {
  type: 'error';
  error: string;
  message: string;
  field?: string;
}

/** Every JSON message the server sends on a run's stream. */
export type ServerMessage = Hello | RunStatus | StreamError;

/** A stored recording's metadata. */
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

/** A recording as the API lists it: its metadata and its share URL (`/r/ID`). */
export interface RecordingEntry extends RecordingMeta {
  url: string;
}

/** The answer to an upload (201): the recording, the format detected, the repairs made. */
export interface UploadResult extends RecordingEntry {
  format: TraceFormat;
  warnings: RepairWarning[];
}

/** Where a capped run, its recording and its exports stop, and why (in meta and config). */
export interface Truncation {
  reason: 'event-limit';
  events: number;
  limit: number;
}

/** The body of every error answer. */
export interface ErrorBody {
  error: string;
  message: string;
  field?: string;
  index?: number;
}

export type { ImportSummary, RepairWarning };
