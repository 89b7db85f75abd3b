import { defineConfig } from 'vitest/config';

// Property-based tests run hundreds of cases; on a busy 2-core machine the default 5 s per test
// is too tight for them.
export default defineConfig({
  test: { testTimeout: 60_000 },
});
