import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'check-compose.sh');
const hasCompose = spawnSync('sh', ['-c', 'command -v docker-compose'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml and docker-compose.team.yml', () => {
  it.skipIf(!hasCompose)('pass `docker-compose config` (skipped when docker-compose is not installed)', () => {
    const out = execFileSync('bash', [script], { encoding: 'utf8' });
    expect(out).toContain('docker-compose.yml is valid');
    expect(out).toContain('docker-compose.team.yml is valid');
  });
});
