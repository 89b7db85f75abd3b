import { afterEach, describe, expect, it } from 'vitest';
import { FrameEncoder, Trace, validateTrace } from '@lockscope/trace';
import { checkPrerequisites } from '@lockscope/tracer';
import { buildApp, type LockscopeApp } from '../app.js';
import type { ServerConfig } from '../config.js';
import { testConfig } from '../test-support.js';

let current: LockscopeApp | undefined;
function app(): LockscopeApp {
  current = buildApp(testConfig({ idleGraceMs: 300_000 }));
  return current;
}

const host = checkPrerequisites();
if (!host.ok) console.warn(`skipping the traced-run test: ${host.missing.join('; ')}`);
afterEach(async () => {
  await current?.close();
  current = undefined;
});

function sampleTrace(): Trace {
  const t = new Trace();
  const w = t.addThread('rpc-libvirtd 101', 'worker');
  const vm = t.addLock({ name: 'domain vm-01', class: 'domain-object', kind: 'mutex', subject: 'vm-01' });
  t.beginSpan(0, w, 'api', 'virDomainGetInfo', 'vm-01');
  t.request(1, w, vm);
  t.acquired(2, w, vm);
  t.released(5, w, vm);
  t.endSpan(6, w);
  return t;
}

const frameBody = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

describe('ingest of a remote tracer', () => {
  it('creates a traced run and appends the frames posted to it, in order, until the end', async () => {
    const a = app();
    const created = await a.inject({ method: 'POST', url: '/api/ingest', payload: { title: 'host-7', workload: 'lifecycle' } });
    expect(created.statusCode).toBe(201);
    const { id, ingest, stream } = created.json() as { id: string; ingest: string; stream: string };
    expect(ingest).toBe(`/api/runs/${id}/ingest`);
    expect(stream).toBe(`/api/runs/${id}/stream`);

    const trace = sampleTrace();
    const encoder = new FrameEncoder();
    const first = encoder.encode(trace, 0, 3);
    const second = encoder.encode(trace);
    const post = (body: Uint8Array, end = false) =>
      a.inject({ method: 'POST', url: `${ingest}${end ? '?end=1' : ''}`, headers: { 'content-type': 'application/octet-stream' }, payload: frameBody(body) });
    expect((await post(first)).json()).toEqual({ events: 3, done: false, acked: 1 });
    expect((await post(second, true)).json()).toEqual({ events: 5, done: true, acked: 2 });
    const run = (await a.inject(`/api/runs/${id}`)).json() as { source: string; events: number };
    expect(run).toMatchObject({ source: 'traced', events: 5 });
    expect((await post(second)).statusCode).toBe(409);
  });

  it('refuses garbage (400), frames that break the event model (422) and unknown runs (404)', async () => {
    const a = app();
    const { ingest } = (await a.inject({ method: 'POST', url: '/api/ingest' })).json() as { ingest: string };
    const garbage = await a.inject({ method: 'POST', url: ingest, headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from('not a frame at all') });
    expect(garbage.statusCode).toBe(400);
    expect(garbage.json()).toMatchObject({ error: 'malformed_trace' });

    const bad = new Trace();
    const w = bad.addThread('w', 'worker');
    const l = bad.addLock({ name: 'm', class: 'other', kind: 'mutex' });
    bad.released(1, w, l);
    const invalid = await a.inject({ method: 'POST', url: ingest, headers: { 'content-type': 'application/octet-stream' }, payload: frameBody(new FrameEncoder().encode(bad)) });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.json()).toMatchObject({ error: 'invalid_trace', index: 0 });

    const unknown = await a.inject({ method: 'POST', url: '/api/runs/AAAAAAAAAAAAAAAAAAAAAA/ingest', headers: { 'content-type': 'application/octet-stream' }, payload: Buffer.from([]) });
    expect(unknown.statusCode).toBe(404);
  });

  it('acknowledges numbered frames, drops a frame it already holds and refuses a gap (409 with acked)', async () => {
    const a = app();
    const { ingest } = (await a.inject({ method: 'POST', url: '/api/ingest' })).json() as { ingest: string };
    const trace = sampleTrace();
    const encoder = new FrameEncoder();
    const frames = [encoder.encode(trace, 0, 2), encoder.encode(trace, 2, 4), encoder.encode(trace)];
    const post = (seq: number, body: Uint8Array, end = false) =>
      a.inject({ method: 'POST', url: `${ingest}?seq=${seq}${end ? '&end=1' : ''}`, headers: { 'content-type': 'application/octet-stream' }, payload: frameBody(body) });
    expect((await post(0, frames[0])).json()).toEqual({ events: 2, done: false, acked: 1 });
    // The acknowledgement of frame 0 was lost: the agent sends it again; it is not applied twice.
    expect((await post(0, frames[0])).json()).toEqual({ events: 2, done: false, acked: 1, duplicate: true });
    const gap = await post(2, frames[2]);
    expect(gap.statusCode).toBe(409);
    expect(gap.json()).toMatchObject({ error: 'conflict', acked: 1 });
    expect((await post(1, frames[1])).json()).toEqual({ events: 4, done: false, acked: 2 });
    expect((await post(2, frames[2], true)).json()).toEqual({ events: 5, done: true, acked: 3 });
    // The end's acknowledgement lost too: still acknowledged.
    expect((await post(2, frames[2], true)).json()).toMatchObject({ acked: 3, duplicate: true });
  });

  it('refuses an agent without the token, or with a wrong one, when the server has a token (LOCKSCOPE_TOKEN, 401)', async () => {
    const token = 'a-token-of-32-characters-or-so-x';
    const a = (current = buildApp(testConfig({ token })));
    const none = await a.inject({ method: 'POST', url: '/api/ingest' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ error: 'unauthorized' });
    const wrong = await a.inject({ method: 'POST', url: '/api/ingest', headers: { authorization: 'Bearer not-the-token-at-all-nope' } });
    expect(wrong.statusCode).toBe(401);
    const ok = await a.inject({ method: 'POST', url: '/api/ingest', headers: { authorization: `Bearer ${token}` } });
    expect(ok.statusCode).toBe(201);
    const { ingest } = ok.json() as { ingest: string };
    const frame = frameBody(new FrameEncoder().encode(sampleTrace()));
    const frameless = await a.inject({ method: 'POST', url: `${ingest}?seq=0`, headers: { 'content-type': 'application/octet-stream' }, payload: frame });
    expect(frameless.statusCode).toBe(401);
    expect(a.lockscope.runs.list()[0].source.trace.length).toBe(0);
    const sent = await a.inject({ method: 'POST', url: `${ingest}?seq=0`, headers: { 'content-type': 'application/octet-stream', authorization: `Bearer ${token}` }, payload: frame });
    expect(sent.json()).toMatchObject({ events: 5, acked: 1 });
  });

  it('keeps an unfinished ingest run across a restart of the server: same id, same events, resumes at the next frame', async () => {
    const config: ServerConfig = testConfig({ idleGraceMs: 300_000 });
    const first = buildApp(config);
    const { id, ingest } = (await first.inject({ method: 'POST', url: '/api/ingest', payload: { title: 'host-9' } })).json() as { id: string; ingest: string };
    const trace = sampleTrace();
    const encoder = new FrameEncoder();
    const post = (a: LockscopeApp, seq: number, body: Uint8Array, end = false) =>
      a.inject({ method: 'POST', url: `${ingest}?seq=${seq}${end ? '&end=1' : ''}`, headers: { 'content-type': 'application/octet-stream' }, payload: frameBody(body) });
    expect((await post(first, 0, encoder.encode(trace, 0, 3))).json()).toMatchObject({ acked: 1 });
    await first.close();

    const second = (current = buildApp(config));
    const restored = (await second.inject(`/api/runs/${id}`)).json() as { state: string; events: number; config: { title: string } };
    expect(restored).toMatchObject({ state: 'running', events: 3, config: { title: 'host-9' } });
    expect((await post(second, 1, encoder.encode(trace), true)).json()).toEqual({ events: 5, done: true, acked: 2 });
    expect(validateTrace(second.lockscope.runs.get(id)!.source.trace)).toEqual({ ok: true });
  });

  it('says whether this host can run a traced libvirtd', async () => {
    const res = await app().inject('/api/traced');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { available: boolean; missing: string[]; workloads: string[] };
    expect(body.workloads).toContain('lifecycle');
    expect(body.available).toBe(body.missing.length === 0);
  });

  it('validates a traced run request before starting anything', async () => {
    const res = await app().inject({ method: 'POST', url: '/api/traced-runs', payload: { workload: 'lifecycle', params: { domains: 0 } } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'invalid_input' });
  });

  it.skipIf(!host.ok)(
    'runs a lifecycle on this host\'s libvirtd as a run like a simulated one',
    async () => {
      const a = app();
      const created = await a.inject({ method: 'POST', url: '/api/traced-runs', payload: { workload: 'lifecycle', params: { domains: 1 } } });
      expect(created.statusCode).toBe(201);
      const { id } = created.json() as { id: string };
      const again = await a.inject({ method: 'POST', url: '/api/traced-runs', payload: { workload: 'lifecycle' } });
      expect(again.statusCode).toBe(409);
      let run: { state: string; reason?: string; events: number; source: string } = { state: 'running', events: 0, source: '' };
      for (let i = 0; i < 600 && run.state === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        run = (await a.inject(`/api/runs/${id}`)).json() as typeof run;
      }
      expect(run).toMatchObject({ state: 'done', reason: 'finished', source: 'traced' });
      expect(run.events).toBeGreaterThan(1000);
      const trace = a.lockscope.runs.get(id)!.source.trace;
      expect(validateTrace(trace)).toEqual({ ok: true });
      const labels = new Set(trace.labels);
      for (const api of ['virDomainDefineXML', 'virDomainCreate', 'virDomainDestroy']) expect(labels.has(api), api).toBe(true);
    },
    150_000,
  );
});
