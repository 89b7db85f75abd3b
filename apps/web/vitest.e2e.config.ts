import { defineConfig } from 'vitest/config';

// Browser tests: the real server and the built app in Debian's Chromium. Serial (one browser at
// a time on a 2-core machine) with generous timeouts; they never assert wall-clock times.
export default defineConfig({
  test: {
    include: ['e2e/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
