// lock-order, the avoidable columns of the summary and sweeps, through the built CLI (needs
// `pnpm build` first, as main.test.ts).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Trace, toNdjson } from '@lockscope/trace';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'lockscope-analysis-'));

function lockscope(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface LockOrderOut {
  edges: { from: string; to: string; count: number }[];
  cycles: string[][];
  inversions: { cycle: string[]; firstOccurrences: { event: number; thread: string; outer: string; inner: string }[] }[];
}

describe('lockscope lock-order', () => {
  it('finds an ABBA inversion in a trace file, with its first occurrences', async () => {
    const t = new Trace();
    const a = t.addThread('worker-1', 'worker');
    const b = t.addThread('worker-2', 'worker');
    const sm = t.addLock({ name: 'security manager', class: 'security-manager', kind: 'mutex' });
    const dl = t.addLock({ name: 'domain list', class: 'domain-list', kind: 'rwlock' });
    const nest = (at: number, th: number, outer: number, inner: number) => {
      t.request(at, th, outer);
      t.acquired(at, th, outer);
      t.request(at + 1, th, inner);
      t.acquired(at + 1, th, inner);
      t.released(at + 2, th, inner);
      t.released(at + 3, th, outer);
    };
    nest(0, a, sm, dl);
    nest(10, b, dl, sm);
    const file = join(tmp, 'abba.ndjson');
    writeFileSync(file, toNdjson(t));
    const r = await lockscope('lock-order', file, '--by', 'lock');
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as LockOrderOut;
    expect(out.cycles).toEqual([['domain list', 'security manager']]);
    expect(out.inversions[0].firstOccurrences).toEqual([
      { event: 9, tMs: 0, thread: 'worker-2', outer: 'domain list', inner: 'security manager' },
      { event: 3, tMs: 0, thread: 'worker-1', outer: 'security manager', inner: 'domain list' },
    ]);
  });

  it('finds no inversion in a simulated create storm, under any preset', async () => {
    for (const preset of ['libvirt-2013', 'feiner-both', 'libvirt-9.0']) {
      const file = join(tmp, `storm-${preset}.bin`);
      expect((await lockscope('simulate', '--scenario', 'create-storm', '--preset', preset, '--param', 'domains=8', '--out', file)).code).toBe(0);
      const out = JSON.parse((await lockscope('lock-order', file)).stdout) as LockOrderOut;
      expect(out.edges.length).toBeGreaterThan(3);
      if (preset === 'libvirt-2013') expect(out.edges).toContainEqual(expect.objectContaining({ from: 'security-manager', to: 'security-driver' }));
      expect(out.cycles).toEqual([]);
    }
  });

  it('rejects a bad --by with one line and code 2', async () => {
    const r = await lockscope('lock-order', join(tmp, 'abba.ndjson'), '--by', 'thread');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--by must be class or lock/);
  });
});

describe('avoidable contention in the summary', () => {
  it('is all of the security manager wait in a 2013 create storm, none in the domain list', async () => {
    const s = JSON.parse((await lockscope('simulate', '--scenario', 'create-storm', '--preset', 'libvirt-2013', '--param', 'domains=8')).stdout);
    const sm = s.lockClasses['security-manager'];
    expect(sm.waitTotalMs).toBeGreaterThan(0);
    // every create works on its own domain: every wait for the global lock is avoidable
    expect(sm.avoidableWaitMs).toBe(sm.waitTotalMs);
    expect(sm.avoidableContended).toBe(sm.contended);
    for (const c of Object.values(s.lockClasses) as { avoidableWaitMs: number; waitTotalMs: number }[]) {
      expect(c.avoidableWaitMs).toBeLessThanOrEqual(c.waitTotalMs);
    }
  });
});

interface SweepOut {
  points: { preset: string; params: { domains: number }; seed: number; makespanMs: number; apis: Record<string, { p95Ms: number }>; link: string }[];
}

describe('lockscope sweep', () => {
  it('runs every point on worker threads, in order, and the 2013 storm slows down as it grows', async () => {
    const r = await lockscope('sweep', '--scenario', 'create-storm', '--param', 'domains=2,4,8', '--preset', 'libvirt-2013,feiner-both', '--seed', '3');
    expect(r.code).toBe(0);
    // not a terminal: no progress bar
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as SweepOut;
    expect(out.points.map((p) => [p.preset, p.params.domains])).toEqual([
      ['libvirt-2013', 2],
      ['libvirt-2013', 4],
      ['libvirt-2013', 8],
      ['feiner-both', 2],
      ['feiner-both', 4],
      ['feiner-both', 8],
    ]);
    expect(out.points[0].link).toBe('/s?scenario=create-storm&preset=libvirt-2013&param.domains=2&seed=3');
    // Serialised on the security manager, the 2013 storm's makespan and p95 grow with its size.
    const old = out.points.slice(0, 3);
    for (let k = 1; k < old.length; k++) {
      expect(old[k].makespanMs).toBeGreaterThan(old[k - 1].makespanMs);
      expect(old[k].apis.virDomainCreateWithFlags.p95Ms).toBeGreaterThan(old[k - 1].apis.virDomainCreateWithFlags.p95Ms);
    }
    // and per-domain security locks with a name copy beat it at every size
    for (let k = 0; k < 3; k++) expect(out.points[k + 3].makespanMs).toBeLessThan(out.points[k].makespanMs);
    // the same points one after another, in this thread, give the same figures
    const inline = JSON.parse((await lockscope('sweep', '--scenario', 'create-storm', '--param', 'domains=2,4,8', '--preset', 'libvirt-2013,feiner-both', '--seed', '3', '--jobs', '0')).stdout) as SweepOut;
    expect(inline).toEqual(out);
  });

  it('rejects bad input before running anything', async () => {
    for (const [args, pattern] of [
      [['--scenario', 'create-storm', '--preset', 'libvirt-2013', '--param', 'domains=2,x'], /--param domains expects/],
      [['--scenario', 'create-storm', '--param', 'domains=2'], /needs --preset/],
      [['--scenario', 'create-storm', '--preset', 'libvirt-2013,nope', '--param', 'domains=2'], /nope/],
      [['--scenario', 'create-storm', '--preset', 'libvirt-2013', '--param', 'colour=2'], /colour/],
    ] as const) {
      const r = await lockscope('sweep', ...args);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(pattern);
    }
  });
});
