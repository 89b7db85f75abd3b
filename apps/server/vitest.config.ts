import { defineConfig } from 'vitest/config';

// Server tests start real servers and simulations; CI machines are shared and noisy.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
