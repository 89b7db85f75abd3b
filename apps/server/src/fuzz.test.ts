// Hostile clients over the HTTP API (fast-check): random methods, paths, queries, content types
// and bodies, JSON of any shape, and damaged traces as uploads. Asserted: never a 5xx, the server
// stays healthy, and nothing is ever stored in part (every chunk row belongs to a recording, and
// the recordings are exactly the uploads that were answered 201).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeTrace, mulberry32, randomValidTrace, toChromeJson, toNdjson } from '@lockscope/trace';
import { afterAll, describe, expect, it } from 'vitest';
import { testApps } from './test-support.js';

const apps = testApps();
afterAll(apps.closeAll);
const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

const json = fc.jsonValue({ maxDepth: 4 });
const hostile = fc.oneof(
  fc.constantFrom('1e20', '-1', '9007199254740993', 'NaN', '', '%00', '../..', 'a'.repeat(300), '[]', '{}', 'max', '0x10'),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
);
const routes = fc.constantFrom<[string, string]>(
  ['GET', '/api/recordings'],
  ['GET', `/api/recordings/${ID}`],
  ['GET', `/api/recordings/${ID}/info`],
  ['GET', '/api/runs'],
  ['GET', `/api/runs/${ID}`],
  ['POST', '/api/runs'],
  ['POST', `/api/runs/${ID}/control`],
  ['POST', `/api/runs/${ID}/recording`],
  ['DELETE', `/api/runs/${ID}`],
  ['POST', '/api/ingest'],
  ['POST', `/api/runs/${ID}/ingest`],
  ['POST', '/api/traced-runs'],
  ['GET', '/s'],
  ['GET', `/r/${ID}`],
  ['POST', '/api/session'],
  ['GET', '/api/scenarios'],
);
const request = fc.record({
  route: routes,
  query: fc.dictionary(fc.constantFrom('limit', 'offset', 'format', 'title', 'end', 'scenario', 'seed', 'speed', 'param.domains', 'set.security.lock', 'x'), hostile, { maxKeys: 3 }),
  type: fc.constantFrom('application/json', 'application/octet-stream', 'application/x-ndjson', 'text/plain', 'application/x-www-form-urlencoded', undefined),
  body: fc.oneof(
    json.map((v) => JSON.stringify(v)),
    fc.record({ scenario: fc.oneof(fc.constantFrom('create-storm', 'fleet'), fc.string()), speed: fc.oneof(fc.double(), fc.constant('max')), seed: fc.oneof(fc.integer(), fc.double()), params: fc.dictionary(fc.string({ maxLength: 10 }), fc.oneof(fc.integer(), fc.string())) }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    fc.record({ type: fc.constantFrom('set', 'preset', 'pause', 'resume', 'speed', 'stop', 'x'), knob: fc.string(), value: json }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
    fc.constant('['.repeat(50_000) + ']'.repeat(50_000)),
    fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  ),
});

function damagedTrace(seed: number, format: number, cut: number, flip: number): Buffer {
  const trace = randomValidTrace(mulberry32(seed), { events: 60 });
  const bytes = Buffer.from(format === 0 ? encodeTrace(trace) : format === 1 ? toNdjson(trace) : toChromeJson(trace));
  const out = Buffer.from(bytes.subarray(0, bytes.length - (cut % 4 === 0 ? cut % bytes.length : 0)));
  if (flip % 3 === 0 && out.length > 0) out[flip % out.length] ^= 0x20;
  return out;
}

describe('the HTTP API under hostile input', () => {
  it('never answers 5xx, stores nothing in part, and stays healthy', async () => {
    const a = apps.app({ rateLimitPerMinute: 1_000_000, maxTransfersPerClient: 1000 });
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ route: [method, path], query, type, body }) => {
        const qs = new URLSearchParams(query).toString();
        const res = await a.inject({ method: method as 'GET', url: qs ? `${path}?${qs}` : path, headers: type === undefined ? {} : { 'content-type': type }, ...(method === 'GET' ? {} : { payload: body }) });
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        // 503 only says the server is full (runs, jobs): capacity, not a failure on the input.
        const capacity = res.statusCode === 503 && ['too_many_runs', 'busy'].includes((res.json() as { error: string }).error);
        expect(capacity || res.statusCode < 500, `${method} ${path}?${qs} (${type}): ${res.statusCode} ${res.body.slice(0, 200)}`).toBe(true);
        if (res.statusCode >= 400) expect(Object.keys(res.json() as object)).toEqual(expect.arrayContaining(['error', 'message']));
      }),
      { numRuns: 1500 },
    );
    let created = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), fc.nat(2), fc.nat(), fc.nat(), fc.constantFrom('application/octet-stream', 'application/json', 'application/x-ndjson'), async (seed, format, cut, flip, type) => {
        const res = await a.inject({ method: 'POST', url: '/api/recordings', headers: { 'content-type': type }, payload: damagedTrace(seed, format, cut, flip) });
        expect(res.statusCode, res.body).toBeLessThan(500);
        if (res.statusCode === 201) created++;
      }),
      { numRuns: 30 },
    );
    // Some were taken, some refused: the property saw both sides.
    expect(created).toBeGreaterThan(0);
    expect(created).toBeLessThan(30);
    expect([...seen.keys()].some((s) => s >= 400)).toBe(true);
    expect((await a.inject('/api/health')).json()).toMatchObject({ status: 'ok' });
    expect((await a.inject('/api/recordings')).json()).toMatchObject({ total: created });
    await a.close();
    const db = new Database(join(a.lockscope.config.dataDir, 'lockscope.sqlite'));
    const orphans = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM trace_chunks WHERE blob NOT IN (SELECT blob FROM recordings WHERE blob IS NOT NULL)').get()!;
    db.close();
    expect(orphans.n).toBe(0);
  }, 600_000);
});
