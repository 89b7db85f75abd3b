// The entry point as `pnpm start` runs it (from source here, through tsx).
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from './test-support.js';

const serverDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = ['--import', 'tsx', 'src/main.ts'];

describe('main', () => {
  it('exits with code 2 and names the variable on an invalid configuration', () => {
    const res = spawnSync(process.execPath, args, { cwd: serverDir, env: { ...process.env, PORT: 'eighty' }, encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('PORT');
  });

  it('exits with code 2 and one line when HOST is not loopback and LOCKSCOPE_TOKEN is missing', () => {
    const env = { ...process.env, HOST: '0.0.0.0', PORT: '0', LOCKSCOPE_TOKEN: '', LOCKSCOPE_AUTH: '' };
    const res = spawnSync(process.execPath, args, { cwd: serverDir, env, encoding: 'utf8' });
    expect(res.status).toBe(2);
    expect(res.stderr.trim().split('\n')).toHaveLength(1);
    expect(res.stderr).toContain('LOCKSCOPE_TOKEN');
  });

  it('listens on HOST:PORT, logs the URL, serves the API and stops on SIGTERM', async () => {
    const child = spawn(process.execPath, args, {
      cwd: serverDir,
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOCKSCOPE_DATA_DIR: tempDir() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /Lockscope listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) resolve(m[1]);
        });
        child.once('exit', (code) => reject(new Error(`exited with ${code}: ${out}`)));
      });
      const res = await fetch(`${url}/api/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
