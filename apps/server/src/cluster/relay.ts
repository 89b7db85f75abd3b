// Runs hosted by another instance of the same deployment (cluster/registry.ts): this instance
// relays them. `GET /api/runs/:id` answers with the host's description (or, when the host is
// gone, the registry's record of how the run ended), and `/api/runs/:id/stream` opens the host's
// stream and passes every message through, both ways (control messages included), so that a
// viewer behind a proxy never needs to reach the host itself. See docs/protocol.md.
import WebSocket, { type RawData } from 'ws';
import type { AppContext } from '../context.js';
import type { RegisteredRun } from './registry.js';

/** The run `id` as the registry knows it, when it is hosted by another instance; else undefined. */
export async function remoteRun(ctx: AppContext, id: string): Promise<RegisteredRun | undefined> {
  if (!ctx.registry) return undefined;
  const found = await ctx.registry.find(id);
  return found && !found.local ? found : undefined;
}

const LIVE_STATES = new Set(['running', 'paused']);

/** The deployment's token (every instance has the same): instances talk to each other with it. */
const bearer = (token: string | null): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` });

/** Whether the run is live on a host that still beats: its stream can be relayed. */
export function relayable(run: RegisteredRun): boolean {
  return run.hostAlive && LIVE_STATES.has(run.state);
}

/** The description of a remote run: the host's own when it answers, else the registry's record. */
export async function describeRemote(run: RegisteredRun, token: string | null): Promise<Record<string, unknown>> {
  if (relayable(run)) {
    try {
      const res = await fetch(`${run.url}/api/runs/${run.id}`, { headers: bearer(token), signal: AbortSignal.timeout(5000) });
      if (res.ok) return { ...((await res.json()) as Record<string, unknown>), instance: run.instance };
    } catch {
      // The host stopped answering between two beats: what the registry knows follows.
    }
  }
  return {
    id: run.id,
    source: typeof run.config.source === 'string' ? run.config.source : 'unknown',
    state: run.state,
    ...(run.reason ? { reason: run.reason } : {}),
    createdAt: run.createdAt,
    config: run.config,
    events: run.events,
    viewers: 0,
    instance: run.instance,
    ...(run.hostAlive ? {} : { hostGone: true }),
  };
}

/** Forwards an agent's frames (`path`: the request's path and query) to the instance hosting its run. */
export async function forwardIngest(run: RegisteredRun, path: string, token: string | null, body: Buffer): Promise<{ status: number; body: string }> {
  try {
    const res = await fetch(`${run.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...bearer(token) },
      body,
      signal: AbortSignal.timeout(30_000),
    });
    return { status: res.status, body: await res.text() };
  } catch (error) {
    // The agent retries a 5xx: by then the host answers again, or the registry knows it is gone.
    return { status: 502, body: JSON.stringify({ error: 'internal', message: `the instance hosting run ${run.id} cannot be reached: ${(error as Error).message}` }) };
  }
}

/** Passes the host's stream of `run` through `socket`, both ways, until either side closes. */
export function relayStream(socket: WebSocket, run: RegisteredRun, query: string, token: string | null): void {
  const upstream = new WebSocket(`${run.url.replace(/^http/, 'ws')}/api/runs/${run.id}/stream${query}`, { headers: bearer(token) });
  const early: { data: RawData; isBinary: boolean }[] = [];
  upstream.on('open', () => {
    for (const m of early.splice(0)) upstream.send(m.data, { binary: m.isBinary });
  });
  upstream.on('message', (data: RawData, isBinary: boolean) => {
    if (socket.readyState === WebSocket.OPEN) socket.send(data, { binary: isBinary });
  });
  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
    else if (upstream.readyState === WebSocket.CONNECTING) early.push({ data, isBinary });
  });
  // 1005/1006 cannot be sent: a close without a code, or an abnormal one, closes plainly.
  const closeCode = (code: number): number | undefined => (code >= 1000 && code !== 1005 && code !== 1006 ? code : undefined);
  upstream.on('close', (code, reason) => socket.close(closeCode(code) ?? 1011, reason.toString() || 'the hosting instance closed the stream'));
  upstream.on('error', () => {
    if (socket.readyState === WebSocket.OPEN) socket.close(1011, 'the hosting instance cannot be reached');
  });
  socket.on('close', () => upstream.terminate());
}
