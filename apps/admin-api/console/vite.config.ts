import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The web console, served by the admin API at `/` from dist/ (apps/admin-api/src/console/console.ts).
// Preact's automatic JSX runtime through Vite's own transform: no framework plugin needed.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', reportCompressedSize: false },
});
