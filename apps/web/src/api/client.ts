// The server's HTTP API (documented in the README / docs/protocol.md). Errors come back as
// `{error, message}`; they surface to the user as that message.

import type { KnobInfo, PresetInfo } from '@lockscope/sim';
import type { Trace } from '@lockscope/trace';
import { decodeOffThread } from '../derived/offthread.js';
import type { RunConfig } from '../store/app.js';
import type { RecordingEntry, RepairWarning, UploadResult } from '@lockscope/trace/protocol';

export interface ParamEntry {
  name: string;
  description: string;
  type?: string;
  default: number;
  min?: number;
  max?: number;
}

export interface ScenarioEntry {
  name: string;
  description: string;
  params: ParamEntry[];
}

export interface Catalogue {
  scenarios: ScenarioEntry[];
  presets: PresetInfo[];
  knobs: KnobInfo[];
}

export type { RecordingEntry };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function errorFrom(res: Response): Promise<ApiError> {
  let code = 'http_error';
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string; message?: string };
    if (body.error) code = body.error;
    if (body.message) message = body.message;
  } catch {
    // not JSON: keep the status line
  }
  return new ApiError(res.status, code, message);
}

export async function json<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  if (!res.ok) throw await errorFrom(res);
  return (await res.json()) as T;
}

export async function getCatalogue(): Promise<Catalogue> {
  const [s, p] = await Promise.all([json<{ scenarios: ScenarioEntry[] }>('/api/scenarios'), json<{ presets: PresetInfo[]; knobs: KnobInfo[] }>('/api/presets')]);
  return { scenarios: s.scenarios, presets: p.presets, knobs: p.knobs };
}

export async function createRun(config: RunConfig, speed: number | 'max'): Promise<{ id: string }> {
  return json('/api/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ scenario: config.scenario, params: config.params, preset: config.preset || undefined, set: config.set, seed: config.seed, speed }),
  });
}

/** `GET /api/traced`: whether this host can run a traced libvirtd, and what it lacks. */
export interface TracedInfo {
  available: boolean;
  missing: string[];
  workloads: string[];
  maxDomains: number;
}

export async function getTraced(): Promise<TracedInfo> {
  return json('/api/traced');
}

/** `POST /api/traced-runs`: this host's libvirtd runs `workload` under the recorder. */
export async function createTracedRun(workload: string, domains: number): Promise<{ id: string; url: string; stream: string }> {
  return json('/api/traced-runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ workload, params: { domains } }),
  });
}

export async function stopRun(id: string): Promise<void> {
  await fetch(`/api/runs/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

export async function recordRun(id: string): Promise<{ id: string; url: string }> {
  return json(`/api/runs/${encodeURIComponent(id)}/recording`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
}

export async function listRecordings(): Promise<RecordingEntry[]> {
  const page = await json<{ items: RecordingEntry[] }>('/api/recordings?limit=50');
  return page.items;
}

export interface RecordingInfo {
  id: string;
  title: string;
  /** truncated: the run had stopped at the server's event limit when it was recorded. */
  config: (Partial<RunConfig> & { changes?: unknown[]; simTimeNs?: number; truncated?: { reason: string; events: number; limit: number } }) | null;
}

export async function getRecordingInfo(id: string): Promise<RecordingInfo> {
  return json(`/api/recordings/${encodeURIComponent(id)}/info`);
}

export function recordingDownloadUrl(id: string, format: 'binary' | 'chrome'): string {
  return `/api/recordings/${encodeURIComponent(id)}?format=${format}`;
}

/** Downloads a recording in the binary format and decodes it, reporting progress 0..1. */
export async function fetchRecording(id: string, onProgress?: (fraction: number) => void): Promise<Trace> {
  const res = await fetch(recordingDownloadUrl(id, 'binary'));
  if (!res.ok) throw await errorFrom(res);
  const total = Number(res.headers.get('content-length') ?? 0);
  let bytes: Uint8Array;
  if (res.body && total > 0 && onProgress) {
    const reader = res.body.getReader();
    bytes = new Uint8Array(total);
    let got = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (got + value.length > bytes.length) {
        const grown = new Uint8Array(Math.max(bytes.length * 2, got + value.length));
        grown.set(bytes.subarray(0, got));
        bytes = grown;
      }
      bytes.set(value, got);
      got += value.length;
      onProgress(Math.min(1, got / total));
    }
    bytes = bytes.subarray(0, got);
  } else {
    bytes = new Uint8Array(await res.arrayBuffer());
  }
  // Decoded in a worker: a recording of millions of events leaves the page responsive.
  return decodeOffThread(bytes);
}

/** Uploads a trace file; progress 0..1 while sending. Rejects with the server's message. */
export function uploadRecording(file: Blob, name: string, onProgress: (fraction: number) => void): Promise<Pick<UploadResult, 'id' | 'url' | 'warnings'>> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    const title = name.slice(0, 200) || 'uploaded trace';
    xhr.open('POST', `/api/recordings?title=${encodeURIComponent(title)}`);
    const type = name.endsWith('.json') ? 'application/json' : name.endsWith('.ndjson') ? 'application/x-ndjson' : 'application/octet-stream';
    xhr.setRequestHeader('content-type', type);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'the upload failed: the server could not be reached'));
    xhr.onload = () => {
      let body: { id?: string; url?: string; warnings?: RepairWarning[]; error?: string; message?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // fall through with an empty body
      }
      if (xhr.status >= 200 && xhr.status < 300 && body.id && body.url) resolve({ id: body.id, url: body.url, warnings: body.warnings ?? [] });
      else reject(new ApiError(xhr.status, body.error ?? 'http_error', body.message ?? `upload refused (${xhr.status})`));
    };
    xhr.send(file);
  });
}
