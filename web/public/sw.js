// The web page's service worker: the page opens without a network. The page itself (/app/) is fetched from the
// network first and kept; its built assets (content-hashed, never changed under one URL) come from the cache first.
// Nothing else is touched: GraphQL, /admin and other paths always go to the network.
const CACHE = 'chat-app-v1';
const PAGE = '/app/';

/**
 * The page and the assets it names, fetched and kept together; assets of earlier versions of the page are dropped.
 * Only an HTML page is kept (any path under /app/ answers the page; files such as /app/sw.js are not pages).
 */
async function keepPage(cache, response) {
  if (!(response.headers.get('content-type') ?? '').startsWith('text/html')) return;
  const html = await response.clone().text();
  const assets = [...html.matchAll(/(?:src|href)="(\/app\/assets\/[^"]+)"/g)].map((match) => match[1]);
  await cache.addAll(assets);
  await cache.put(PAGE, response);
  const current = new Set(assets.map((path) => new URL(path, self.location.origin).href));
  for (const request of await cache.keys()) {
    if (new URL(request.url).pathname.startsWith(`${PAGE}assets/`) && !current.has(request.url)) {
      await cache.delete(request);
    }
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      const response = await fetch(PAGE, { cache: 'no-cache' });
      if (response.ok) await keepPage(cache, response);
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name !== CACHE) await caches.delete(name);
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin || !url.pathname.startsWith(PAGE)) return;
  if (event.request.mode === 'navigate') {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        try {
          const response = await fetch(event.request);
          if (response.ok) {
            event.waitUntil(keepPage(cache, response.clone()).catch(() => undefined));
            return response;
          }
          // A proxy's 502 or 503 while the server is away: the kept page, which says it is offline.
          if (response.status >= 500) return (await cache.match(PAGE)) ?? response;
          return response;
        } catch (error) {
          const kept = await cache.match(PAGE);
          if (kept) return kept;
          throw error;
        }
      })(),
    );
    return;
  }
  if (url.pathname.startsWith(`${PAGE}assets/`)) {
    event.respondWith(
      (async () => {
        const cache = await caches.open(CACHE);
        const kept = await cache.match(event.request);
        if (kept) return kept;
        const response = await fetch(event.request);
        if (response.ok) await cache.put(event.request, response.clone());
        return response;
      })(),
    );
  }
});
