// The defects an independent probe found (issue: hardening), one test each: hostile hosts and
// pages, missing authentication, 5xx from input, stalled bodies, unbounded heavy work, foreign
// traces refused, and snapshots that disagree with their run.
import { connect } from 'node:net';
import { TraceValidator, decodeAny, encodeTrace, mulberry32, randomValidTrace, toChromeJson, toNdjson, type Trace } from '@lockscope/trace';
import { afterEach, describe, expect, it } from 'vitest';
import type { LockscopeApp } from './app.js';
import type { ServerConfig } from './config.js';
import { SESSION_COOKIE } from './plugins/access.js';
import { testApps } from './test-support.js';

const apps = testApps();
const app = apps.app;
afterEach(apps.closeAll);

async function listening(overrides: Partial<ServerConfig> = {}): Promise<{ a: LockscopeApp; port: number }> {
  const a = app(overrides);
  await a.listen({ port: 0, host: '127.0.0.1' });
  const address = a.server.address();
  return { a, port: typeof address === 'object' && address ? address.port : 0 };
}

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const sample = (events = 500, seed = 1): Trace => randomValidTrace(mulberry32(seed), { events });
const upload = (a: LockscopeApp, body: Uint8Array | string, type = 'application/octet-stream', headers: Record<string, string> = {}) =>
  a.inject({ method: 'POST', url: '/api/recordings', headers: { 'content-type': type, ...headers }, payload: typeof body === 'string' ? body : asBuffer(body) });

/** Sends raw HTTP on a socket and resolves with what came back when the server closed it. */
function raw(port: number, request: string, keepOpenMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve(out));
    socket.write(request);
    setTimeout(() => socket.destroy(), keepOpenMs);
  });
}

describe('DNS rebinding: the Host allowlist', () => {
  it('refuses a foreign Host on HTTP, even with a matching Origin (served before)', async () => {
    const a = app();
    const res = await a.inject({ url: '/api/runs', headers: { host: 'evil.example:8080', origin: 'http://evil.example:8080' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ error: 'forbidden' });
    const post = await a.inject({ method: 'POST', url: '/api/runs', headers: { host: 'evil.example:8080', origin: 'http://evil.example:8080' }, payload: { scenario: 'create-storm' } });
    expect(post.statusCode).toBe(403);
    expect(a.lockscope.runs.size).toBe(0);
    for (const host of ['localhost:8080', '127.0.0.1:8080', '[::1]:8080', 'localhost']) expect((await a.inject({ url: '/api/health', headers: { host } })).statusCode, host).toBe(200);
  });

  it('serves the names in LOCKSCOPE_ALLOWED_HOSTS', async () => {
    const a = app({ allowedHosts: ['lockscope.example.org'] });
    expect((await a.inject({ url: '/api/health', headers: { host: 'lockscope.example.org:8080' } })).statusCode).toBe(200);
    expect((await a.inject({ url: '/api/health', headers: { host: 'other.example.org' } })).statusCode).toBe(403);
  });

  it('refuses a WebSocket upgrade with a foreign Host and a matching Origin', async () => {
    const { a, port } = await listening();
    const { id } = (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).json() as { id: string };
    const upgrade = [
      `GET /api/runs/${id}/stream HTTP/1.1`,
      'Host: evil.example',
      'Origin: http://evil.example',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      '',
      '',
    ].join('\r\n');
    const response = await raw(port, upgrade, 2000);
    const status = Number(/^HTTP\/1\.1 (\d+)/.exec(response)?.[1]);
    expect(status).toBe(403);
  });
});

describe('CSRF: mutations only as JSON or traces, from this server\'s pages', () => {
  it('refuses text/plain and form posts (text/plain was accepted before) and fills no run slot', async () => {
    const a = app();
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await a.inject({ method: 'POST', url: '/api/ingest', headers: { 'content-type': type }, payload: '{"title":"x"}' });
      expect(res.statusCode, type).toBe(415);
    }
    expect(a.lockscope.runs.size).toBe(0);
  });

  it('refuses mutations from a foreign Origin, and cross-site fetches without one', async () => {
    const a = app();
    const foreign = await a.inject({ method: 'POST', url: '/api/ingest', headers: { origin: 'https://evil.example' }, payload: {} });
    expect(foreign.statusCode).toBe(403);
    const crossSite = await a.inject({ method: 'DELETE', url: '/api/runs/AAAAAAAAAAAAAAAAAAAAAA', headers: { 'sec-fetch-site': 'cross-site' } });
    expect(crossSite.statusCode).toBe(403);
    const own = await a.inject({ method: 'POST', url: '/api/ingest', headers: { origin: 'http://localhost:80' }, payload: {} });
    expect(own.statusCode).toBe(201);
  });
});

describe('token authentication', () => {
  const token = 'correct-horse-battery-staple';

  it('needs the token for every API request when one is set (no authentication before)', async () => {
    const a = app({ token });
    expect((await a.inject('/api/runs')).statusCode).toBe(401);
    expect((await a.inject('/api/recordings')).statusCode).toBe(401);
    expect((await a.inject({ url: '/api/runs', headers: { authorization: 'Bearer wrong-token-wrong-token' } })).statusCode).toBe(401);
    expect((await a.inject({ url: '/api/runs', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    expect((await a.inject('/api/health')).statusCode).toBe(200);
    expect(await a.inject('/api/session').then((r) => r.json())).toEqual({ auth: 'token', authenticated: false, publicLinks: false });
  });

  it('keeps the token in an HttpOnly, SameSite=Strict cookie after signing in once', async () => {
    const a = app({ token });
    expect((await a.inject({ method: 'POST', url: '/api/session', payload: { token: 'nope' } })).statusCode).toBe(401);
    const res = await a.inject({ method: 'POST', url: '/api/session', payload: { token } });
    expect(res.statusCode).toBe(204);
    const setCookie = String(res.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    expect(setCookie).not.toContain(token);
    const cookie = setCookie.split(';')[0];
    expect(cookie.startsWith(`${SESSION_COOKIE}=`)).toBe(true);
    expect((await a.inject({ url: '/api/runs', headers: { cookie } })).statusCode).toBe(200);
  });

  it('leaves share links readable by anyone with LOCKSCOPE_PUBLIC_LINKS=1, and the lists closed', async () => {
    const a = app({ token, publicLinks: true });
    const created = await upload(a, encodeTrace(sample(50)), 'application/octet-stream', { authorization: `Bearer ${token}` });
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    expect((await a.inject(`/api/recordings/${id}`)).statusCode).toBe(200);
    expect((await a.inject(`/api/recordings/${id}/info`)).statusCode).toBe(200);
    expect((await a.inject('/api/recordings')).statusCode).toBe(401);
    expect((await a.inject('/api/runs')).statusCode).toBe(401);
    expect((await upload(a, encodeTrace(sample(50)))).statusCode).toBe(401);
  });
});

describe('no 5xx from input', () => {
  it('refuses a timestamp of 2^51 ns or more with a 400 naming "t" (500 before), and stores nothing', async () => {
    const a = app();
    const text = toNdjson(sample(20)).replace(/"t":\d+/, `"t":${2 ** 52}`);
    const res = await upload(a, text, 'application/x-ndjson');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/"t" must be below 2\^51/);
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('refuses 100 k-deep JSON nesting in a trace\'s meta with a 400 (500 before, and broken downloads)', async () => {
    const a = app();
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const trace = sample(20);
    trace.meta = { x: '__DEEP__' };
    const text = toNdjson(trace).replace('"__DEEP__"', deep);
    expect(text).toContain(deep);
    const res = await upload(a, text, 'application/x-ndjson');
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/nested deeper/);
    const chromeText = toChromeJson(trace).replace('"__DEEP__"', deep);
    expect((await upload(a, chromeText, 'application/json')).statusCode).toBe(400);
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('refuses ?offset=1e20 with a 400 naming the field (500 before)', async () => {
    const res = await app().inject('/api/recordings?offset=1e20');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'offset' });
  });
});

describe('timeouts and limits', () => {
  it('cuts an upload whose body stalls, and keeps nothing of it (held forever before)', async () => {
    const { a, port } = await listening({ bodyIdleTimeoutMs: 300 });
    const head = `POST /api/recordings HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`;
    const started = Date.now();
    await raw(port, head + 'x'.repeat(10), 20_000);
    // The server closed the connection long before the client would have.
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(a.lockscope.jobs.running).toBe(0);
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('queues heavy jobs and answers 503 with Retry-After beyond the queue', async () => {
    const { a, port } = await listening({ maxJobs: 1, maxQueuedJobs: 0, bodyIdleTimeoutMs: 2000 });
    // One upload holds the only job slot while its body trickles.
    const head = `POST /api/recordings HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: 100000\r\n\r\n`;
    const held = raw(port, head + 'x', 1500);
    await new Promise((r) => setTimeout(r, 300));
    expect(a.lockscope.jobs.running).toBe(1);
    const res = await fetch(`http://127.0.0.1:${port}/api/recordings`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: asBuffer(encodeTrace(sample(10))) });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect(await res.json()).toMatchObject({ error: 'busy' });
    await held;
  });

  it('counts every creating route against one rate-limit budget per client', async () => {
    const a = app({ rateLimitPerMinute: 3 });
    const codes = [
      (await a.inject({ method: 'POST', url: '/api/ingest', payload: {} })).statusCode,
      (await upload(a, encodeTrace(sample(10)))).statusCode,
      (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).statusCode,
      (await a.inject({ method: 'POST', url: '/api/ingest', payload: {} })).statusCode,
    ];
    expect(codes).toEqual([201, 201, 201, 429]);
  });
});

describe('streaming exports', () => {
  it('streams a recording of several windows as Chrome JSON and NDJSON, equal to the whole-trace encoders', async () => {
    const a = app();
    const trace = sample(150_000, 4);
    const created = await upload(a, encodeTrace(trace));
    expect(created.statusCode).toBe(201);
    const { id } = created.json() as { id: string };
    const chrome = await a.inject(`/api/recordings/${id}?format=chrome`);
    expect(chrome.statusCode).toBe(200);
    expect(JSON.parse(chrome.body)).toEqual(JSON.parse(toChromeJson(trace)));
    const nd = await a.inject(`/api/recordings/${id}?format=ndjson`);
    expect(nd.body).toBe(toNdjson(trace));
    const bin = await a.inject(`/api/recordings/${id}`);
    expect(Buffer.from(bin.rawPayload).equals(asBuffer(encodeTrace(trace)))).toBe(true);
    expect(a.lockscope.jobs.running).toBe(0);
  });
});

describe('abandoned downloads', () => {
  it('gives back the job slot and the client\'s transfer when the client goes away mid-download', async () => {
    const { a, port } = await listening({ maxJobs: 1, maxQueuedJobs: 0 });
    const { id } = (await upload(a, encodeTrace(sample(200_000, 5)))).json() as { id: string };
    const controller = new AbortController();
    const res = await fetch(`http://127.0.0.1:${port}/api/recordings/${id}?format=chrome`, { signal: controller.signal });
    const reader = res.body!.getReader();
    await reader.read();
    expect(a.lockscope.jobs.running).toBe(1);
    controller.abort();
    for (let i = 0; i < 100 && a.lockscope.jobs.running > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(a.lockscope.jobs.running).toBe(0);
    expect((await a.inject(`/api/recordings/${id}?format=ndjson`)).statusCode).toBe(200);
  });
});

describe('foreign traces and truncation', () => {
  it('opens a foreign Chrome trace with a job wait interrupted by other locking, with warnings (422 before)', async () => {
    const doc = {
      traceEvents: [
        { ph: 'b', cat: 'lock.hold', name: 'job vm-1', id: 1, pid: 7, tid: 2, ts: 100 },
        { ph: 'e', cat: 'lock.hold', name: 'job vm-1', id: 1, pid: 7, tid: 2, ts: 900 },
        { ph: 'X', cat: 'lock.wait', name: 'job vm-1', pid: 7, tid: 1, ts: 200, dur: 700 },
        { ph: 'X', cat: 'lock.hold', name: 'domain list', pid: 7, tid: 1, ts: 300, dur: 100 },
        { ph: 'b', cat: 'lock.hold', name: 'job vm-1', id: 3, pid: 7, tid: 1, ts: 900 },
      ],
    };
    const res = await upload(app(), JSON.stringify(doc), 'application/json');
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ format: 'chrome', warnings: [{ kind: 'wait-interrupted', count: 1 }] });
  });

  it('a snapshot of a capped run stores exactly the events the run reports, and says why it stops', async () => {
    const a = app({ maxEventsPerRun: 1000 });
    const { id } = (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm', speed: 'max' } })).json() as { id: string };
    let run = { state: 'running', events: 0, reason: '' };
    for (let i = 0; i < 200 && run.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = (await a.inject(`/api/runs/${id}`)).json() as typeof run;
    }
    expect(run).toMatchObject({ state: 'done', reason: 'event-limit', events: 1000 });
    // The source ran past the cap within its last slice: the run's trace holds more.
    const source = a.lockscope.runs.get(id)!.source.trace;
    expect(source.length).toBeGreaterThanOrEqual(1000);
    const snap = await a.inject({ method: 'POST', url: `/api/runs/${id}/recording`, payload: {} });
    expect(snap.statusCode).toBe(201);
    const rec = snap.json() as { id: string; events: number };
    expect(rec.events).toBe(1000);
    const stored = decodeAny(new Uint8Array((await a.inject(`/api/recordings/${rec.id}`)).rawPayload));
    expect(stored.length).toBe(1000);
    expect(stored.meta.truncated).toEqual({ reason: 'event-limit', events: 1000, limit: 1000 });
    expect(new TraceValidator().check(stored)).toEqual({ ok: true });
    const chrome = JSON.parse((await a.inject(`/api/recordings/${rec.id}?format=chrome`)).body) as { otherData: { lockscope: { events: number; meta: Record<string, unknown> } } };
    expect(chrome.otherData.lockscope.events).toBe(1000);
    expect(chrome.otherData.lockscope.meta.truncated).toEqual({ reason: 'event-limit', events: 1000, limit: 1000 });
    const info = (await a.inject(`/api/recordings/${rec.id}/info`)).json() as { config: { truncated: unknown } };
    expect(info.config.truncated).toEqual({ reason: 'event-limit', events: 1000, limit: 1000 });
  });
});
