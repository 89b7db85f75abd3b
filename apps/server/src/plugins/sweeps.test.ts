import { afterEach, describe, expect, it } from 'vitest';
import { buildApp, type LockscopeApp } from '../app.js';
import { testConfig } from '../test-support.js';
import type { SweepJob } from '@lockscope/cli';

const apps: LockscopeApp[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((a) => a.close()));
});
function app(): LockscopeApp {
  const a = buildApp(testConfig());
  apps.push(a);
  return a;
}

describe('sweeps as jobs', () => {
  it('runs a sweep on worker threads with progress, then gives its points', async () => {
    const a = app();
    const res = await a.inject({
      method: 'POST',
      url: '/api/sweeps',
      payload: { scenario: 'create-storm', params: { domains: [2, 4] }, presets: ['libvirt-2013', 'feiner-both'], seed: 3 },
    });
    expect(res.statusCode).toBe(202);
    const { id, url } = res.json() as { id: string; url: string };
    expect(url).toBe(`/api/sweeps/${id}`);
    let job: SweepJob;
    const seen = new Set<number>();
    for (;;) {
      job = (await a.inject({ method: 'GET', url })).json() as SweepJob;
      seen.add(job.done);
      expect(job.total).toBe(4);
      if (job.status !== 'running') break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(job.status).toBe('done');
    expect(job.done).toBe(4);
    const points = job.result?.points ?? [];
    expect(points.map((p) => [p.preset, p.params.domains])).toEqual([
      ['libvirt-2013', 2],
      ['libvirt-2013', 4],
      ['feiner-both', 2],
      ['feiner-both', 4],
    ]);
    expect(points[1].makespanMs).toBeGreaterThan(points[0].makespanMs);
    expect(points[0].link).toBe('/s?scenario=create-storm&preset=libvirt-2013&param.domains=2&seed=3');
  });

  it('refuses bad input with a 400 naming the field, and unknown sweeps with a 404', async () => {
    const a = app();
    const post = (payload: object) => a.inject({ method: 'POST', url: '/api/sweeps', payload });
    let r = await post({ scenario: 'create-storm', params: { domains: [2] }, presets: ['nope'] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: 'invalid_input', field: 'preset' });
    r = await post({ scenario: 'create-storm', params: { colour: [2] }, presets: ['libvirt-2013'] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ field: 'params.colour' });
    r = await post({ scenario: 'create-storm', params: { domains: ['x'] }, presets: ['libvirt-2013'] });
    expect(r.statusCode).toBe(400);
    r = await post({ scenario: 'create-storm', params: { domains: [2] }, presets: [] });
    expect(r.statusCode).toBe(400);
    r = await post({ scenario: 'create-storm', params: { domains: Array.from({ length: 50 }, (_, i) => i + 1), spreadMs: [0, 1, 2, 3, 4] }, presets: ['libvirt-2013'] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ field: 'params', message: expect.stringMatching(/at most 200 points/) });
    r = await a.inject({ method: 'GET', url: '/api/sweeps/00000000-0000-0000-0000-000000000000' });
    expect(r.statusCode).toBe(404);
    r = await a.inject({ method: 'GET', url: '/api/sweeps/nope' });
    expect(r.statusCode).toBe(400);
  });
});
