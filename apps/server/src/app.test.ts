// Every route through `inject`, with every bad-input case of the HTTP API.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Mode, Trace, decodeAny, encodeTrace, mulberry32, randomValidTrace, toChromeJson, toNdjson, validateTrace } from '@lockscope/trace';
import { afterEach, describe, expect, it } from 'vitest';
import type { LockscopeApp } from './app.js';
import { isId } from './ids.js';
import { testApps } from './test-support.js';

const apps = testApps();
const app = apps.app;
afterEach(apps.closeAll);

const sampleTrace = (events = 2000, seed = 1): Trace => randomValidTrace(mulberry32(seed), { events });
const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** A trace that breaks an invariant at event 3: a release without an acquisition. */
function invalidTrace(): Trace {
  const t = new Trace();
  const th = t.addThread('worker 1', 'worker');
  const lock = t.addLock({ name: 'vm-01', class: 'domain-object', kind: 'mutex' });
  t.request(0, th, lock);
  t.acquired(10, th, lock);
  t.released(20, th, lock);
  t.released(30, th, lock, Mode.Exclusive);
  return t;
}

async function upload(a: LockscopeApp, body: Uint8Array | string, type: string, query = ''): Promise<ReturnType<LockscopeApp['inject']>> {
  return a.inject({ method: 'POST', url: `/api/recordings${query}`, headers: { 'content-type': type }, payload: typeof body === 'string' ? body : asBuffer(body) });
}

describe('health and catalogue', () => {
  it('GET /api/health', async () => {
    const res = await app().inject('/api/health');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', runs: 0 });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('GET /api/scenarios lists every parameter with type, default and bounds', async () => {
    const res = await app().inject('/api/scenarios');
    expect(res.statusCode).toBe(200);
    const { scenarios } = res.json() as { scenarios: { name: string; params: { name: string; type: string; default: number; min: number; max: number }[] }[] };
    expect(scenarios.map((s) => s.name)).toContain('create-storm');
    for (const s of scenarios) for (const p of s.params) expect(p.min <= p.default && p.default <= p.max).toBe(true);
  });

  it('GET /api/presets lists presets, their knobs and every knob with its allowed values', async () => {
    const res = await app().inject('/api/presets');
    expect(res.statusCode).toBe(200);
    const { presets, knobs } = res.json() as { presets: { name: string; knobs: Record<string, unknown> }[]; knobs: { name: string; values?: string[] }[] };
    expect(presets.map((p) => p.name)).toEqual(expect.arrayContaining(['libvirt-2013', 'feiner-both', 'libvirt-9.0']));
    expect(knobs.find((k) => k.name === 'security.lock')?.values).toEqual(expect.arrayContaining(['manager', 'driver', 'domain']));
  });

  it('unknown routes are 404 as {error, message}', async () => {
    const res = await app().inject('/api/nope');
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: expect.any(String) });
  });
});

describe('runs', () => {
  it('POST /api/runs creates a run that GET /api/runs/:id describes', async () => {
    const a = app();
    const res = await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm', preset: 'libvirt-2013', params: { domains: 5 }, seed: 3, speed: 10 } });
    expect(res.statusCode).toBe(201);
    const { id, stream } = res.json() as { id: string; stream: string };
    expect(isId(id)).toBe(true);
    expect(stream).toBe(`/api/runs/${id}/stream`);
    const got = await a.inject(`/api/runs/${id}`);
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({ id, source: 'simulated', state: 'running', speed: 10, config: { scenario: 'create-storm', preset: 'libvirt-2013', seed: 3 } });
    expect((got.json() as { strategy: Record<string, unknown> }).strategy['security.lock']).toBe('manager');
  });

  it.each([
    [{ scenario: 'no-such-scenario' }, 'scenario'],
    [{ scenario: 'create-storm', preset: 'no-such-preset' }, 'preset'],
    [{ scenario: 'create-storm', params: { domains: 1e9 } }, 'params.domains'],
    [{ scenario: 'create-storm', set: { 'security.lock': 'nowhere' } }, 'set.security.lock'],
    [{ scenario: 'create-storm', set: { 'no.such.knob': 1 } }, 'set.no.such.knob'],
    [{ scenario: 'create-storm', speed: -1 }, 'speed'],
    [{ scenario: 'create-storm', seed: 1.5 }, 'seed'],
    [{ scenario: 'create-storm', colour: 'red' }, 'colour'],
    [{ preset: 'libvirt-2013' }, 'scenario'],
  ])('POST /api/runs %j -> 400 naming %s', async (body, field) => {
    const res = await app().inject({ method: 'POST', url: '/api/runs', payload: body });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input', field, message: expect.any(String) });
  });

  it('malformed JSON -> 400 invalid_json, without a stack trace', async () => {
    const res = await app().inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': 'application/json' }, payload: '{"scenario": "create-st' });
    expect(res.statusCode).toBe(400);
    const body = res.json() as Record<string, unknown>;
    expect(body.error).toBe('invalid_json');
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    expect(res.body).not.toMatch(/at .*\.js:\d+/);
  });

  it('a body over the small limit -> 413', async () => {
    const res = await app({ bodyLimit: 1024 }).inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm', set: { x: 'y'.repeat(2000) } } });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'body_too_large' });
  });

  it('an unknown content type -> 415', async () => {
    const res = await app().inject({ method: 'POST', url: '/api/runs', headers: { 'content-type': 'text/csv' }, payload: 'scenario,create-storm' });
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ error: 'unsupported_media_type' });
  });

  it('too many runs from one client -> 429', async () => {
    const a = app({ rateLimitPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 4; i++) codes.push((await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).statusCode);
    expect(codes).toEqual([201, 201, 201, 429]);
    const res = await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } });
    expect(res.json()).toMatchObject({ error: 'rate_limited' });
  });

  it('more live runs than the server holds -> 503, and the others keep running', async () => {
    const a = app({ maxRuns: 1 });
    expect((await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).statusCode).toBe(201);
    const res = await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toMatchObject({ error: 'too_many_runs' });
  });

  it('unknown run id -> 404; malformed id -> 400 naming id', async () => {
    const a = app();
    expect((await a.inject('/api/runs/AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    const bad = await a.inject('/api/runs/not-an-id');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'id' });
  });

  it('POST /api/runs/:id/control applies control messages; bad ones -> 400 naming the field', async () => {
    const a = app();
    const { id } = (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).json() as { id: string };
    const paused = await a.inject({ method: 'POST', url: `/api/runs/${id}/control`, payload: { type: 'pause' } });
    expect(paused.json()).toMatchObject({ type: 'status', state: 'paused' });
    const knob = await a.inject({ method: 'POST', url: `/api/runs/${id}/control`, payload: { type: 'set', knob: 'security.lock', value: 'domain' } });
    expect((knob.json() as { strategy: Record<string, unknown> }).strategy['security.lock']).toBe('domain');
    const bad = await a.inject({ method: 'POST', url: `/api/runs/${id}/control`, payload: { type: 'set', knob: 'list.lock', value: 'spinlock' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'set.list.lock' });
    expect((await a.inject({ method: 'POST', url: `/api/runs/${id}/control`, payload: { type: 'jump' } })).json()).toMatchObject({ field: 'type' });
    expect((await a.inject({ method: 'POST', url: `/api/runs/${id}/control`, payload: { type: 'speed', value: 0 } })).json()).toMatchObject({ field: 'value' });
    const stopped = await a.inject({ method: 'DELETE', url: `/api/runs/${id}` });
    expect(stopped.json()).toMatchObject({ state: 'stopped', reason: 'requested' });
  });

  it('GET on the stream without a WebSocket upgrade -> 426', async () => {
    const a = app();
    const { id } = (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm' } })).json() as { id: string };
    const res = await a.inject(`/api/runs/${id}/stream`);
    expect(res.statusCode).toBe(426);
  });
});

describe('recordings', () => {
  it('uploads each format (detected from content) and returns the binary trace or a conversion', async () => {
    const a = app();
    const trace = sampleTrace();
    const inputs: [string, Uint8Array | string, string][] = [
      ['binary', encodeTrace(trace), 'application/octet-stream'],
      ['ndjson', toNdjson(trace), 'application/x-ndjson'],
      ['chrome', toChromeJson(trace), 'application/json'],
      // The content decides, not the label.
      ['ndjson', toNdjson(trace), 'application/octet-stream'],
    ];
    for (const [format, body, type] of inputs) {
      const res = await upload(a, body, type);
      expect(res.statusCode, `${format} as ${type}: ${res.body}`).toBe(201);
      const created = res.json() as { id: string; url: string; format: string; events: number };
      expect(created.format).toBe(format);
      expect(created.url).toBe(`/r/${created.id}`);
      expect(isId(created.id)).toBe(true);
      const got = await a.inject(`/api/recordings/${created.id}`);
      expect(got.statusCode).toBe(200);
      expect(got.headers['content-type']).toBe('application/octet-stream');
      const back = decodeAny(new Uint8Array(got.rawPayload));
      expect(validateTrace(back)).toEqual({ ok: true });
      expect(back.length).toBe(created.events);
      if (format !== 'chrome') expect(back.length).toBe(trace.length);
    }
    const first = (await a.inject('/api/recordings?limit=1')).json() as { items: { id: string }[] };
    const nd = await a.inject(`/api/recordings/${first.items[0].id}?format=ndjson`);
    expect(nd.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(decodeAny(new Uint8Array(nd.rawPayload)).length).toBe(trace.length);
    const chrome = await a.inject(`/api/recordings/${first.items[0].id}?format=chrome`);
    expect(chrome.headers['content-type']).toMatch(/^application\/json/);
    expect((chrome.json() as { traceEvents: unknown[] }).traceEvents.length).toBeGreaterThan(0);
  });

  it('GET /api/recordings lists newest first, paginated', async () => {
    const a = app();
    for (let i = 0; i < 3; i++) expect((await upload(a, encodeTrace(sampleTrace(100, i)), 'application/octet-stream', `?title=t${i}`)).statusCode).toBe(201);
    const page = (await a.inject('/api/recordings?limit=2&offset=0')).json() as { items: { title: string; url: string }[]; total: number };
    expect(page.total).toBe(3);
    expect(page.items).toHaveLength(2);
    const rest = (await a.inject('/api/recordings?limit=2&offset=2')).json() as { items: { title: string }[] };
    expect(rest.items).toHaveLength(1);
    expect(new Set([...page.items, ...rest.items].map((i) => i.title))).toEqual(new Set(['t0', 't1', 't2']));
    expect((await a.inject('/api/recordings?limit=0')).json()).toMatchObject({ field: 'limit' });
  });

  it('an invalid trace -> 422 with the first offending event index, and nothing is stored', async () => {
    const a = app();
    const res = await upload(a, encodeTrace(invalidTrace()), 'application/octet-stream');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ error: 'invalid_trace', index: 3 });
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('overlapping exclusive holds -> 422 at the second acquisition', async () => {
    const t = new Trace();
    const w1 = t.addThread('w1', 'worker');
    const w2 = t.addThread('w2', 'worker');
    const l = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
    t.request(0, w1, l);
    t.acquired(0, w1, l);
    t.request(5, w2, l);
    t.acquired(6, w2, l);
    const res = await upload(app(), toNdjson(t), 'application/x-ndjson');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ index: 3 });
  });

  it('a truncated or malformed trace -> 400 and nothing stored', async () => {
    const a = app();
    const bytes = encodeTrace(sampleTrace());
    const res = await upload(a, bytes.subarray(0, bytes.length - 7), 'application/octet-stream');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'malformed_trace' });
    const json = await upload(a, '{"traceEvents": [{"ph": "B", "ts": 1', 'application/json');
    expect(json.statusCode).toBe(400);
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('unknown content -> 415, whatever its label', async () => {
    const a = app();
    expect((await upload(a, 'just some text', 'text/plain')).statusCode).toBe(415);
    const junk = await upload(a, Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]), 'application/octet-stream');
    expect(junk.statusCode).toBe(415);
    expect(junk.json()).toMatchObject({ error: 'unsupported_media_type' });
    expect((await upload(a, new Uint8Array(0), 'application/octet-stream')).statusCode).toBe(400);
  });

  it('an upload over the limit -> 413 and nothing stored', async () => {
    const a = app({ uploadLimit: 4096 });
    const res = await upload(a, encodeTrace(sampleTrace(5000)), 'application/octet-stream');
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ error: 'body_too_large' });
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: 0 });
  });

  it('too many uploads from one client -> 429', async () => {
    const a = app({ rateLimitPerMinute: 2 });
    const body = encodeTrace(sampleTrace(50));
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await upload(a, body, 'application/octet-stream')).statusCode);
    expect(codes).toEqual([201, 201, 429]);
  });

  it('unknown recording -> 404; malformed id -> 400', async () => {
    const a = app();
    expect((await a.inject('/api/recordings/AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await a.inject('/api/recordings/AAAAAAAAAAAAAAAAAAAAAA/info')).statusCode).toBe(404);
    expect((await a.inject('/api/recordings/..%2F..%2Fetc')).statusCode).toBe(400);
    expect((await a.inject('/api/recordings/AAAAAAAAAAAAAAAAAAAAAA?format=pdf')).json()).toMatchObject({ field: 'format' });
  });

  it('answers a browser asking for a missing page with the web app (same status), an API client with JSON', async () => {
    const a = app();
    const html = { accept: 'text/html,application/xhtml+xml' };
    for (const url of ['/no/such/page', '/r/AAAAAAAAAAAAAAAAAAAAAA', '/s?scenario=no-such-scenario']) {
      const page = await a.inject({ url, headers: html });
      expect(page.statusCode, url).toBeGreaterThanOrEqual(400);
      expect(page.statusCode, url).toBeLessThan(500);
      expect(page.headers['content-type'], url).toMatch(/^text\/html/);
      const api = await a.inject({ url, headers: { accept: 'application/json' } });
      expect(api.statusCode, url).toBe(page.statusCode);
      expect(api.json(), url).toHaveProperty('error');
    }
    // The API answers JSON even to a browser.
    const api = await a.inject({ url: '/api/no-such-thing', headers: html });
    expect(api.statusCode).toBe(404);
    expect(api.headers['content-type']).toMatch(/^application\/json/);
  });

  it('POST /api/runs/:id/recording snapshots a run with its configuration', async () => {
    const a = app();
    const { id: runId } = (await a.inject({ method: 'POST', url: '/api/runs', payload: { scenario: 'create-storm', params: { domains: 3 }, seed: 9, speed: 1 } })).json() as { id: string };
    const changed = await a.inject({ method: 'POST', url: `/api/runs/${runId}/control`, payload: { type: 'set', knob: 'security.lock', value: 'domain' } });
    expect(changed.statusCode).toBe(200);
    const res = await a.inject({ method: 'POST', url: `/api/runs/${runId}/recording`, payload: { title: 'storm of 3' } });
    expect(res.statusCode).toBe(201);
    const { id, url } = res.json() as { id: string; url: string };
    expect(url).toBe(`/r/${id}`);
    const info = (await a.inject(`/api/recordings/${id}/info`)).json() as { title: string; source: string; config: Record<string, unknown> };
    expect(info.title).toBe('storm of 3');
    expect(info.source).toBe('simulated');
    expect(info.config).toMatchObject({ scenario: 'create-storm', seed: 9, params: { domains: 3 }, strategy: { 'security.lock': 'domain' } });
    expect((info.config.changes as unknown[]).length).toBe(1);
    expect((await a.inject({ method: 'POST', url: '/api/runs/AAAAAAAAAAAAAAAAAAAAAA/recording' })).statusCode).toBe(404);
  });

  it('a recording survives a server restart (same SQLite file)', async () => {
    const first = app();
    const { dataDir } = first.lockscope.config;
    const created = (await upload(first, encodeTrace(sampleTrace(500, 4)), 'application/octet-stream', '?title=kept')).json() as { id: string };
    await first.close();
    const second = app({ dataDir });
    const got = await second.inject(`/api/recordings/${created.id}`);
    expect(got.statusCode).toBe(200);
    expect(decodeAny(new Uint8Array(got.rawPayload)).length).toBe(500);
    expect((await second.inject(`/api/recordings/${created.id}/info`)).json()).toMatchObject({ title: 'kept' });
  });
});

describe('web app, share URLs and headers', () => {
  const html = '<!doctype html><html><head><title>Lockscope</title></head><body><div id="root"></div></body></html>';

  function appWithWeb(): LockscopeApp {
    const a = app();
    writeFileSync(join(a.lockscope.config.webDir, 'index.html'), html);
    writeFileSync(join(a.lockscope.config.webDir, 'app.js'), 'console.log(1)');
    return a;
  }

  it('serves the built web app with a CSP and security headers', async () => {
    const a = appWithWeb();
    const res = await a.inject({ url: '/', headers: { host: '127.0.0.1:8080' } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toMatch(/img-src 'self' blob: data:/);
    expect(csp).toContain('connect-src \'self\' ws://127.0.0.1:8080');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    const js = await a.inject('/app.js');
    expect(js.statusCode).toBe(200);
  });

  it('without a built web app, / still answers with a page', async () => {
    const res = await app().inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('/r/:id serves the web app for a stored recording; unknown -> 404, malformed -> 400', async () => {
    const a = appWithWeb();
    const created = (await upload(a, encodeTrace(sampleTrace(100)), 'application/octet-stream')).json() as { id: string };
    const res = await a.inject(`/r/${created.id}`);
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(html);
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect((await a.inject('/r/AAAAAAAAAAAAAAAAAAAAAA')).statusCode).toBe(404);
    expect((await a.inject('/r/<script>')).statusCode).toBe(400);
  });

  it('/s carries a whole simulation and is validated like POST /api/runs', async () => {
    const a = appWithWeb();
    const ok = await a.inject('/s?scenario=create-storm&preset=libvirt-2013&set.security.lock=domain&param.domains=5&seed=7&speed=10');
    expect(ok.statusCode).toBe(200);
    expect(ok.body).toBe(html);
    const badKnob = await a.inject('/s?scenario=create-storm&set.security.lock=nowhere');
    expect(badKnob.statusCode).toBe(400);
    expect(badKnob.json()).toMatchObject({ field: 'set.security.lock' });
    expect((await a.inject('/s?scenario=create-storm&param.domains=100000')).json()).toMatchObject({ field: 'params.domains' });
    expect((await a.inject('/s?preset=libvirt-2013')).json()).toMatchObject({ field: 'scenario' });
    expect((await a.inject('/s?scenario=create-storm&evil=1')).json()).toMatchObject({ field: 'evil' });
  });

  it('names coming from traces stay data: JSON only, never rendered into HTML', async () => {
    const a = appWithWeb();
    const t = sampleTrace(100);
    const evil = '<img src=x onerror=alert(1)>';
    t.threads[0].name = evil;
    t.meta = { title: evil };
    const created = (await upload(a, encodeTrace(t), 'application/octet-stream')).json() as { id: string; title: string };
    expect(created.title).toBe(evil);
    const list = await a.inject('/api/recordings');
    expect(list.headers['content-type']).toMatch(/^application\/json/);
    expect(list.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
    const page = await a.inject(`/r/${created.id}`);
    expect(page.body).not.toContain(evil);
    const bin = await a.inject(`/api/recordings/${created.id}`);
    expect(decodeAny(new Uint8Array(bin.rawPayload)).threads[0].name).toBe(evil);
  });
});
