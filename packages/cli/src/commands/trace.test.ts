import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeAny, validateTrace } from '@lockscope/trace';
import { checkPrerequisites } from '@lockscope/tracer';
import { UsageError } from '../errors.js';
import { run as compareModel } from './compare-model.js';
import { run as trace } from './trace.js';

describe('lockscope trace / compare-model: bad usage is refused before anything starts', () => {
  it.each([
    [[], /needs --workload/],
    [['--workload', 'fleet'], /must be one of lifecycle, create-storm/],
    [['--workload', 'lifecycle', '--param', 'domains=0'], /from 1 to 200/],
    [['--workload', 'lifecycle', '--param', 'vms=3'], /unknown parameter 'vms'/],
    [['--workload', 'lifecycle', '--follow', '/tmp/x'], /either --workload/],
    [['--follow', '/nonexistent/recording'], /no recording at \/nonexistent\/recording.events/],
    [['--workload', 'lifecycle', '--live', 'not a url'], /--live expects/],
    [['--workload', 'lifecycle', '--format', 'pdf'], /--format must be one of/],
    [['--pid', 'abc', '--follow', '/tmp/x'], /--pid expects a process id/],
  ])('trace %j', async (argv, message) => {
    await expect(trace(argv as string[])).rejects.toThrow(UsageError);
    await expect(trace(argv as string[])).rejects.toThrow(message);
  });

  it.each([
    [['--workload', 'fleet'], /must be one of/],
    [['--param', 'domains=x'], /from 1 to 200/],
    [['--set', 'costs=moon'], /costs/],
  ])('compare-model %j', async (argv, message) => {
    await expect(compareModel(argv as string[])).rejects.toThrow(message);
  });
});

const host = checkPrerequisites();
if (!host.ok) console.warn(`skipping the real libvirtd CLI test: ${host.missing.join('; ')}`);

describe('lockscope trace on this host', () => {
  it.skipIf(!host.ok)(
    'writes a valid trace of two lifecycles to --out',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lockscope-cli-trace-'));
      try {
        const out = join(dir, 'run.ndjson');
        expect(await trace(['--workload', 'lifecycle', '--param', 'domains=2', '--out', out])).toBe(0);
        const bytes = readFileSync(out);
        const t = decodeAny(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        expect(validateTrace(t)).toEqual({ ok: true });
        expect(t.meta).toMatchObject({ workload: 'lifecycle', failedClients: 0 });
        expect(t.locks.filter((l) => l.class === 'domain-object').map((l) => l.subject)).toEqual(expect.arrayContaining(['vm-01', 'vm-02']));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    150_000,
  );
});
