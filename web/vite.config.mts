import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The web pages: the chat at /app (index.html) and the operations page at /admin (admin.html), built into dist/web
 * by `npm run build`; both load their assets from /app/assets.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/app/',
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        app: fileURLToPath(new URL('index.html', import.meta.url)),
        admin: fileURLToPath(new URL('admin.html', import.meta.url)),
      },
    },
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
