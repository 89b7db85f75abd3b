// Runs the built CLI as a user would (node dist/main.js), so these tests need `pnpm build` first
// (turbo's test task depends on build).
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'lockscope-cli-'));

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function lockscope(...args: string[]): Promise<Result> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function expectUsageError(r: Result, pattern: RegExp): void {
  expect(r.code).toBe(2);
  expect(r.stdout).toBe('');
  // One clear line, never a stack trace.
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('lockscope CLI', () => {
  it('lists scenarios and presets as JSON', async () => {
    const scenarios = JSON.parse((await lockscope('scenarios')).stdout) as { name: string }[];
    expect(scenarios.map((s) => s.name)).toEqual(expect.arrayContaining(['create-storm', 'define-during-storm', 'lifecycle', 'fleet']));
    const { presets, knobs } = JSON.parse((await lockscope('presets')).stdout) as { presets: { name: string }[]; knobs: { name: string }[] };
    expect(presets.map((p) => p.name)).toEqual(
      expect.arrayContaining(['libvirt-2013', 'feiner-security', 'feiner-name-copy', 'feiner-both', 'libvirt-9.0']),
    );
    expect(knobs.map((k) => k.name)).toEqual(
      expect.arrayContaining(['security.lock', 'security.drivers', 'list.lookup', 'list.lock', 'workers', 'prioWorkers', 'host.cpus']),
    );
  });

  it('prints a summary with the documented fields', async () => {
    const r = await lockscope('simulate', '--scenario', 'create-storm', '--preset', 'libvirt-2013', '--param', 'domains=4', '--seed', '3');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ scenario: 'create-storm', preset: 'libvirt-2013', seed: 3 });
    expect(s.strategy['security.lock']).toBe('manager');
    expect(s.events).toBeGreaterThan(0);
    expect(s.makespanMs).toBeGreaterThan(0);
    expect(s.apis.virDomainCreateWithFlags.count).toBe(4);
    for (const key of ['p50Ms', 'p95Ms', 'maxMs']) expect(s.apis.virDomainCreateWithFlags[key]).toBeGreaterThan(0);
    const sec = s.lockClasses['security-manager'];
    expect(sec.acquisitions).toBeGreaterThan(0);
    for (const key of ['contended', 'waitTotalMs', 'waitP95Ms', 'waitMaxMs', 'holdTotalMs']) expect(sec[key]).toBeGreaterThanOrEqual(0);
  });

  it('is deterministic for a seed and the seed changes the jitter', async () => {
    const args = ['simulate', '--scenario', 'create-storm', '--param', 'domains=3', '--format', 'ndjson'];
    const a = await lockscope(...args, '--seed', '1');
    const b = await lockscope(...args, '--seed', '1');
    const c = await lockscope(...args, '--seed', '2');
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('writes every format by extension, validates and converts them', async () => {
    const base = ['simulate', '--scenario', 'lifecycle', '--param', 'domains=3', '--seed', '5'];
    for (const name of ['t.json', 't.ndjson', 't.lsct']) {
      const out = join(tmp, name);
      expect((await lockscope(...base, '--out', out)).code).toBe(0);
      const v = await lockscope('validate', out);
      expect(v.stderr).toBe('');
      expect(v.stdout).toMatch(/valid, \d+ events/);
    }
    // binary -> ndjson equals the simulator's own ndjson
    const direct = await lockscope(...base, '--format', 'ndjson');
    expect((await lockscope('convert', join(tmp, 't.lsct'), join(tmp, 'back.ndjson'))).code).toBe(0);
    expect(readFileSync(join(tmp, 'back.ndjson'), 'utf8')).toBe(direct.stdout);
  });

  it('rejects bad usage with exit code 2 and one line', async () => {
    expectUsageError(await lockscope('frobnicate'), /unknown command/);
    expectUsageError(await lockscope('simulate'), /--scenario/);
    expectUsageError(await lockscope('simulate', '--scenario', 'no-such-thing'), /scenario/);
    expectUsageError(await lockscope('simulate', '--scenario', 'create-storm', '--set', 'list.lock=spinlock'), /list\.lock/);
    expectUsageError(await lockscope('simulate', '--scenario', 'create-storm', '--param', 'domains=-4'), /domains/);
    expectUsageError(await lockscope('simulate', '--scenario', 'create-storm', '--set', 'oops'), /key=value/);
    expectUsageError(await lockscope('simulate', '--scenario', 'create-storm', '--format', 'xml'), /--format/);
    expectUsageError(await lockscope('simulate', '--scenario', 'create-storm', '--bogus'), /bogus/);
    expectUsageError(await lockscope('validate', join(tmp, 'missing.json')), /missing\.json|ENOENT|no such file/);
  });

  it('reports the first offending event of a semantically wrong trace', async () => {
    const file = join(tmp, 'bad.ndjson');
    const good = await lockscope('simulate', '--scenario', 'create-storm', '--param', 'domains=2', '--format', 'ndjson');
    // Drop the first lock.acquired line: its release then has no acquisition.
    const lines = good.stdout.trimEnd().split('\n');
    const firstAcquired = lines.findIndex((l) => l.includes('"lock.acquired"'));
    expect(firstAcquired).toBeGreaterThan(0);
    lines.splice(firstAcquired, 1);
    const end = lines.length - 1;
    const { events } = JSON.parse(lines[end]) as { events: number };
    lines[end] = JSON.stringify({ type: 'end', events: events - 1 });
    writeFileSync(join(tmp, 'bad.ndjson'), `${lines.join('\n')}\n`);
    expectUsageError(await lockscope('validate', file), /event \d+/);
  });

  it('fails cleanly on malformed and truncated files', async () => {
    const junk = join(tmp, 'junk.json');
    writeFileSync(junk, '{"traceEvents": [ {"ph": "X", ');
    expectUsageError(await lockscope('validate', junk), /.+/);
    const bin = join(tmp, 'whole.lsct');
    expect((await lockscope('simulate', '--scenario', 'create-storm', '--param', 'domains=2', '--out', bin)).code).toBe(0);
    const bytes = readFileSync(bin);
    const cut = join(tmp, 'cut.lsct');
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expectUsageError(await lockscope('validate', cut), /.+/);
    expectUsageError(await lockscope('convert', cut, join(tmp, 'never.json')), /.+/);
  });

  it('exits 2 on random bytes (exit 1 before)', async () => {
    const random = join(tmp, 'random.bin');
    writeFileSync(random, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    expectUsageError(await lockscope('validate', random), /unrecognised content/);
    expectUsageError(await lockscope('convert', random, join(tmp, 'never.ndjson')), /unrecognised content/);
  });

  it('validate is strict on a foreign trace (an unmatched e was "valid, 0 events" before); convert repairs it and says so', async () => {
    const foreign = join(tmp, 'foreign.json');
    const doc = {
      traceEvents: [
        { ph: 'X', cat: 'lock.wait', name: 'job vm-1', pid: 7, tid: 1, ts: 200, dur: 700 },
        { ph: 'X', cat: 'lock.hold', name: 'domain list', pid: 7, tid: 1, ts: 300, dur: 100 },
        { ph: 'e', cat: 'lock.hold', name: 'domain list', id: 9, pid: 7, tid: 2, ts: 960 },
      ],
    };
    writeFileSync(foreign, JSON.stringify(doc));
    expectUsageError(await lockscope('validate', foreign), /an end \(ph e\).*without its begin/);
    const onlyE = join(tmp, 'only-e.json');
    writeFileSync(onlyE, JSON.stringify({ traceEvents: [doc.traceEvents[2]] }));
    expectUsageError(await lockscope('validate', onlyE), /without its begin/);
    const converted = await lockscope('convert', foreign, join(tmp, 'repaired.ndjson'));
    expect(converted.code).toBe(0);
    expect(converted.stderr).toMatch(/repaired 1 x wait-interrupted/);
    expect(converted.stderr).toMatch(/repaired 1 x unmatched-end/);
    expect((await lockscope('validate', join(tmp, 'repaired.ndjson'))).code).toBe(0);
  });

  it('stops quietly when the reader of its output goes away (a pipe into head)', async () => {
    const child = spawn(process.execPath, [cli, 'simulate', '--scenario', 'create-storm', '--format', 'ndjson'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
