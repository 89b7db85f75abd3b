import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// In development the API and the run streams go to a server started with `pnpm start`
// (LOCKSCOPE_API, default http://localhost:8080). In production the server serves dist/.
const api = process.env.LOCKSCOPE_API ?? 'http://localhost:8080';

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: true,
    minify: process.env.LOCKSCOPE_NO_MINIFY ? false : 'oxc',
    rollupOptions: { input: { index: 'index.html', bench: 'bench.html' } },
  },
  server: {
    // Cross-origin isolated, as the server serves the app (trace columns shared with the worker).
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
    proxy: {
      '/api': { target: api, ws: true, changeOrigin: true },
    },
  },
});
