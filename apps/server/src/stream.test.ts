// The WebSocket stream with a real client on a listening server.
import { createSimulation, resolveConfig } from '@lockscope/sim';
import { EventKind, FrameDecoder, Trace, validateTrace } from '@lockscope/trace';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { buildApp, type LockscopeApp } from './app.js';
import type { ServerConfig } from './config.js';
import { HIGH_WATER_BYTES, MAX_EVENTS_PER_FRAME } from './runs/viewer.js';
import { testConfig } from './test-support.js';

interface Json {
  type: string;
  [key: string]: unknown;
}

const apps: LockscopeApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});

async function server(overrides: Partial<ServerConfig> = {}): Promise<{ app: LockscopeApp; base: string; ws: string }> {
  const app = buildApp(testConfig(overrides));
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { app, base: `http://127.0.0.1:${address.port}`, ws: `ws://127.0.0.1:${address.port}` };
}

async function createRun(base: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/api/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

/** A viewer that decodes every binary frame into its own Trace and keeps the JSON messages. */
class Client {
  readonly trace = new Trace();
  readonly messages: Json[] = [];
  readonly socket: WebSocket;
  private readonly decoder = new FrameDecoder();
  private waiters: { test: (m: Json) => boolean; resolve: (m: Json) => void }[] = [];
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.socket = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        this.decoder.decode(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), this.trace);
        return;
      }
      const m = JSON.parse(data.toString()) as Json;
      this.messages.push(m);
      for (const w of this.waiters.filter((w) => w.test(m))) w.resolve(m);
      this.waiters = this.waiters.filter((w) => !w.test(m));
    });
  }

  send(message: unknown): void {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** Resolves with the first message (already received or future) that passes `test`. */
  next(test: (m: Json) => boolean, timeoutMs = 20_000): Promise<Json> {
    const seen = this.messages.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message; got ${JSON.stringify(this.messages.slice(-3))}`)), timeoutMs);
      this.waiters.push({ test, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  /** Waits for the run to end and for every event it announced to have arrived. */
  async ended(): Promise<Json> {
    const end = await this.next((m) => m.type === 'status' && (m.state === 'done' || m.state === 'stopped'));
    const deadline = Date.now() + 20_000;
    while (this.trace.length < (end.events as number) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return end;
  }

  close(): void {
    this.socket.close();
  }
}

const isError = (m: Json): boolean => m.type === 'error';

describe('WebSocket stream', () => {
  it('sends hello, then frames that decode with packages/trace into a valid trace', async () => {
    const { base, ws } = await server();
    const id = await createRun(base, { scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 4 }, seed: 5, speed: 'max' });
    const client = new Client(`${ws}/api/runs/${id}/stream`);
    const hello = await client.next((m) => m.type === 'hello');
    expect(hello).toMatchObject({ protocol: 1, format: 'binary', run: { id, source: 'simulated', config: { scenario: 'create-storm' } } });
    const end = await client.ended();
    expect(end).toMatchObject({ state: 'done', reason: 'finished' });
    expect(client.trace.length).toBe(end.events);
    expect(validateTrace(client.trace)).toEqual({ ok: true });
    // The same events as running the simulation directly.
    const reference = createSimulation(resolveConfig({ scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 4 }, seed: 5 }));
    reference.runToEnd();
    expect(client.trace.length).toBe(reference.trace.length);
    expect(Array.from(client.trace.time.subarray(0, client.trace.length))).toEqual(Array.from(reference.trace.time.subarray(0, reference.trace.length)).map(Math.round));
    client.close();
  });

  it.each([
    ['in the server thread', false],
    ['in a worker thread', true],
  ])('a live strategy change appears as a mark and changes what follows (simulation %s)', async (_where, simThread) => {
    const { base, ws } = await server({ simThread });
    const input = { scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 6 }, seed: 11 };
    const id = await createRun(base, { ...input, speed: 1 });
    const client = new Client(`${ws}/api/runs/${id}/stream`);
    await client.next((m) => m.type === 'hello');
    client.send({ type: 'pause' });
    client.send({ type: 'set', knob: 'security.lock', value: 'domain' });
    client.send({ type: 'speed', value: 'max' });
    client.send({ type: 'resume' });
    const end = await client.ended();
    expect(end.state).toBe('done');
    expect((end.strategy as Record<string, unknown>)['security.lock']).toBe('domain');
    const t = client.trace;
    expect(validateTrace(t)).toEqual({ ok: true });
    let markAt = -1;
    for (let i = 0; i < t.length; i++) if (t.kind[i] === EventKind.Mark && t.labels[t.ref[i]].includes('security.lock=domain')) markAt = i;
    expect(markAt).toBeGreaterThanOrEqual(0);

    // The same configuration without the change: identical up to the mark, different after it.
    const reference = createSimulation(resolveConfig(input));
    reference.runToEnd();
    const r = reference.trace;
    for (let i = 0; i < markAt; i++) expect([t.time[i], t.kind[i], t.ref[i], t.thread[i]]).toEqual([Math.round(r.time[i]), r.kind[i], r.ref[i], r.thread[i]]);
    const after = (x: Trace): string => {
      const rows: string[] = [];
      for (let i = markAt + 1; i < x.length; i++) rows.push(`${Math.round(x.time[i])}:${x.kind[i]}:${x.thread[i]}:${x.kind[i] <= 2 ? x.locks[x.ref[i]].name : x.labels[x.ref[i]]}`);
      return rows.join('\n');
    };
    expect(after(t)).not.toEqual(after(r));
    client.close();
  });

  it('20 concurrent viewers of one run each receive the same events', async () => {
    const { base, ws } = await server();
    const id = await createRun(base, { scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 8 }, seed: 2, speed: 1 });
    const clients = Array.from({ length: 20 }, () => new Client(`${ws}/api/runs/${id}/stream`));
    await Promise.all(clients.map((c) => c.next((m) => m.type === 'hello')));
    clients[0].send({ type: 'speed', value: 'max' });
    const ends = await Promise.all(clients.map((c) => c.ended()));
    const events = ends[0].events as number;
    expect(events).toBeGreaterThan(1000);
    const first = clients[0].trace;
    for (const c of clients) {
      expect(c.trace.length).toBe(events);
      expect(Buffer.from(c.trace.time.buffer, 0, events * 8).equals(Buffer.from(first.time.buffer, 0, events * 8))).toBe(true);
      expect(Buffer.from(c.trace.ref.buffer, 0, events * 4).equals(Buffer.from(first.ref.buffer, 0, events * 4))).toBe(true);
      expect(c.trace.threads).toEqual(first.threads);
      expect(c.trace.locks).toEqual(first.locks);
      c.close();
    }
  });

  it('a slow viewer only slows itself: bounded buffering on the server, the rest of its events once it reads again', async () => {
    // Enough events (about 15 MB on the wire) to fill the kernel's socket buffers of a paused reader.
    const total = 3_000_000;
    const { app, base, ws } = await server({ maxEventsPerRun: total });
    const id = await createRun(base, { scenario: 'fleet', params: { domains: 1000, durationS: 86400 }, speed: 1 });
    const slow = new Client(`${ws}/api/runs/${id}/stream`);
    const fast = new Client(`${ws}/api/runs/${id}/stream`);
    try {
      await Promise.all([slow.next((m) => m.type === 'hello'), fast.next((m) => m.type === 'hello')]);
      slow.socket.pause(); // stops reading: the kernel buffers fill, then the server's socket buffer
      fast.send({ type: 'speed', value: 'max' });
      const end = await fast.ended();
      expect(end).toMatchObject({ state: 'done', reason: 'event-limit', events: total });
      const run = app.lockscope.runs.get(id)!;
      const behind = [...run.viewers].filter((v) => v.cursor < total);
      expect(behind).toHaveLength(1);
      // What waits for the slow viewer on the server: at most the high-water mark plus one frame.
      expect(behind[0].socket.bufferedAmount).toBeLessThan(HIGH_WATER_BYTES + MAX_EVENTS_PER_FRAME * 16);
      expect(slow.trace.length).toBeLessThan(total);
      slow.socket.resume();
      await slow.ended();
      expect(slow.trace.length).toBe(total);
      expect(validateTrace(slow.trace)).toEqual({ ok: true });
    } finally {
      slow.socket.terminate();
      fast.socket.terminate();
    }
  }, 60_000);

  it('invalid control messages get an error and the socket stays open', async () => {
    const { base, ws } = await server();
    const id = await createRun(base, { scenario: 'create-storm', speed: 1 });
    const client = new Client(`${ws}/api/runs/${id}/stream`);
    await client.next((m) => m.type === 'hello');
    const errorsBefore = (): number => client.messages.filter(isError).length;
    const cases: [unknown, string, string | undefined][] = [
      ['this is not json', 'invalid_json', undefined],
      ['{"type": "set", "knob": ', 'invalid_json', undefined],
      [{ type: 'teleport' }, 'invalid_input', 'type'],
      [{ type: 'set', knob: 'no.such.knob', value: 1 }, 'invalid_input', 'set.no.such.knob'],
      [{ type: 'set', knob: 'security.lock', value: 'nowhere' }, 'invalid_input', 'set.security.lock'],
      [{ type: 'preset', name: 'libvirt-1999' }, 'invalid_input', 'preset'],
      [{ type: 'speed', value: -3 }, 'invalid_input', 'value'],
    ];
    for (const [message, error, field] of cases) {
      const n = errorsBefore();
      client.send(message);
      await client.next(() => client.messages.filter(isError).length > n);
      const last = client.messages.filter(isError).at(-1)!;
      expect(last.error).toBe(error);
      if (field !== undefined) expect(last.field).toBe(field);
    }
    const n = errorsBefore();
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.next(() => client.messages.filter(isError).length > n);
    expect(client.socket.readyState).toBe(WebSocket.OPEN);
    client.send({ type: 'pause' });
    await client.next((m) => m.type === 'status' && m.state === 'paused');
    client.close();
  });

  it('streams NDJSON text with ?format=ndjson', async () => {
    const { base, ws } = await server();
    const id = await createRun(base, { scenario: 'create-storm', params: { domains: 2 }, speed: 'max' });
    const socket = new WebSocket(`${ws}/api/runs/${id}/stream?format=ndjson`);
    const lines: Record<string, unknown>[] = [];
    let binary = 0;
    const done = new Promise<Json>((resolve) => {
      socket.on('message', (data: Buffer, isBinary: boolean) => {
        if (isBinary) binary++;
        for (const line of data.toString().split('\n').filter((l) => l !== '')) {
          const parsed = JSON.parse(line) as Json;
          if (parsed.type === 'status' && parsed.state === 'done') resolve(parsed);
          lines.push(parsed);
        }
      });
    });
    const end = await done;
    await new Promise((r) => setTimeout(r, 100));
    expect(binary).toBe(0);
    expect(lines.filter((l) => typeof l.kind === 'string' && typeof l.t === 'number').length).toBe(end.events);
    const header = lines.findIndex((l) => l.type === 'header');
    expect(lines[header]).toMatchObject({ format: 'lockscope-ndjson' });
    expect(header).toBeLessThan(lines.findIndex((l) => typeof l.kind === 'string'));
    expect(lines.some((l) => l.type === 'thread' && typeof l.name === 'string')).toBe(true);
    expect(lines.some((l) => l.type === 'lock' && typeof l.class === 'string')).toBe(true);
    socket.close();
  });

  it('an unknown run refuses the upgrade with 404', async () => {
    const { ws } = await server();
    const socket = new WebSocket(`${ws}/api/runs/AAAAAAAAAAAAAAAAAAAAAA/stream`);
    const status = await new Promise<number>((resolve) => socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(404);
  });

  it('refuses WebSocket upgrades from pages of another origin', async () => {
    const { base, ws } = await server();
    const id = await createRun(base, { scenario: 'create-storm', speed: 1 });
    const status = (origin: string): Promise<number> =>
      new Promise((resolve) => {
        const socket = new WebSocket(`${ws}/api/runs/${id}/stream`, { origin });
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
      });
    expect(await status('https://evil.example')).toBe(403);
    expect(await status('http://127.0.0.1.evil.example')).toBe(403);
    expect(await status(base)).toBe(101);
    expect(await status('http://localhost:5173')).toBe(101); // the web app's development server
  });

  it('a run reaching the event cap ends with reason event-limit', async () => {
    const { base, ws } = await server({ maxEventsPerRun: 2000 });
    const id = await createRun(base, { scenario: 'create-storm', speed: 'max' });
    const client = new Client(`${ws}/api/runs/${id}/stream`);
    const end = await client.ended();
    expect(end).toMatchObject({ state: 'done', reason: 'event-limit' });
    expect(client.trace.length).toBeLessThanOrEqual(2000);
    expect(validateTrace(client.trace)).toEqual({ ok: true });
    client.close();
  });
});
