import { defineConfig } from 'vitest/config';

// Whole storms over five seeds and property-based runs: on a busy 2-core machine the default 5 s
// per test is too tight for them.
export default defineConfig({
  test: { testTimeout: 60_000 },
});
