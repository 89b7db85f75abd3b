// Compiles the preload library with the system C compiler into build/. Never fails the build:
// without gcc it says what is missing, and tracing a real libvirtd is then unavailable.
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'native', 'lockscope-preload.c');
const output = join(root, 'build', 'liblockscope-preload.so');
const cc = process.env.CC || 'gcc';

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

if (mtime(output) >= mtime(source) && !process.argv.includes('--force')) {
  console.log(`tracer: ${output} is up to date`);
  process.exit(0);
}
const probe = spawnSync(cc, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.warn(`tracer: no C compiler (${cc}) found: the preload library was not built, so tracing a real libvirtd is unavailable. Install gcc and libc6-dev (apt-get install -y gcc libc6-dev) and rebuild.`);
  process.exit(0);
}
mkdirSync(dirname(output), { recursive: true });
const args = ['-O2', '-g', '-Wall', '-Wextra', '-fPIC', '-shared', '-fvisibility=hidden', '-o', output, source, '-ldl', '-lpthread'];
const build = spawnSync(cc, args, { encoding: 'utf8' });
if (build.status !== 0) {
  console.warn(`tracer: compiling the preload library failed (tracing a real libvirtd is unavailable):\n${build.stderr || build.error}`);
  process.exit(0);
}
if (build.stderr) console.warn(build.stderr);
console.log(`tracer: built ${output}`);
