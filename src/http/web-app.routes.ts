import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import express, { Router } from 'express';
import type { Logger } from 'pino';

/** Only what the page needs: its own scripts and styles, and the API on the same origin (HTTP and WebSocket). */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; connect-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the web page (built by `npm run build` into `dir`) at /app, with index.html for every path below it so
 * the page's own links survive a reload, and the operations page at /admin. Without a build, both answer 503 saying
 * how to build them.
 */
export function webAppRoutes(dir: string, logger: Logger): Router {
  // strict: /app and /app/ are different paths (the first redirects to the second).
  const router = Router({ strict: true });
  const root = resolve(dir);
  const index = join(root, 'index.html');
  if (!existsSync(index)) {
    logger.warn({ dir: root }, 'the web page is not built (npm run build); /app answers 503');
    router.get(['/app', '/app/', '/app/*path', '/admin', '/admin/'], (_req, res) => {
      res.status(503).type('text').send('The web page is not built: run `npm run build`, then start the server again.');
    });
    return router;
  }
  const sendPage = (res: express.Response, page: string) =>
    res.set({ 'cache-control': 'no-cache', 'content-security-policy': CONTENT_SECURITY_POLICY }).sendFile(page);
  const sendIndex = (res: express.Response) => sendPage(res, index);
  router.get('/app', (_req, res) => res.redirect(301, '/app/'));
  router.get('/app/', (_req, res) => sendIndex(res));
  // The operations page: open to anyone, as it holds no data; it shows figures only to the admins' sessions.
  const admin = join(root, 'admin.html');
  router.get(['/admin', '/admin/'], (_req, res) => sendPage(res, admin));
  // Built assets carry a content hash in their names: they never change under the same URL.
  router.use(
    '/app/assets',
    express.static(join(root, 'assets'), { immutable: true, maxAge: '365d', fallthrough: false }),
  );
  router.use('/app', express.static(root, { index: false }));
  router.get('/app/*path', (_req, res) => sendIndex(res));
  return router;
}
