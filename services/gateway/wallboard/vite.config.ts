import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// `pnpm --filter @callboard/gateway build` runs `vite build wallboard`; the gateway serves dist/ (src/static.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, assetsDir: 'assets', target: 'es2022' },
});
