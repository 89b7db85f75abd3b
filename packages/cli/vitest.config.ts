import { defineConfig } from 'vitest/config';

// The tests spawn the built CLI; on a busy 2-core machine a spawn can take seconds. One test file
// at a time: two of them run a real libvirtd, and each measures its daemon's timings (the
// what-if test compares a replay with the traced run within 10 %), which a second daemon
// starting beside it distorts.
export default defineConfig({ test: { testTimeout: 60_000, fileParallelism: false } });
