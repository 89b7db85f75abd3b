import { afterEach, describe, expect, it } from 'vitest';
import { FrameEncoder, Trace, validateTrace } from '@lockscope/trace';
import { checkPrerequisites } from '@lockscope/tracer';
import { buildApp, type LockscopeApp } from '../app.js';
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
    expect((await post(first)).json()).toEqual({ events: 3, done: false });
    expect((await post(second, true)).json()).toEqual({ events: 5, done: true });
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
