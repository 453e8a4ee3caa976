import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** The web page served at /app: built into dist/web by `npm run build` (see web/README in the main README). */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
  },
  // `npx vite --config web/vite.config.mts`: the page with live reload, talking to a server on port 4000.
  server: {
    proxy: {
      '/graphql': { target: 'http://localhost:4000', ws: true },
      '/dev/checkout': 'http://localhost:4000',
      '/checkout': 'http://localhost:4000',
    },
  },
  logLevel: 'warn',
});
