/// <reference lib="webworker" />
// The service worker. Bundled and given its precache manifest by src/integrations/service-worker.ts at
// build time (workbox-build injectManifest); served as /sw.js.
import { clientsClaim } from 'workbox-core';
import { ExpirationPlugin } from 'workbox-expiration';
import { cleanupOutdatedCaches, matchPrecache, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { registerRoute, setCatchHandler } from 'workbox-routing';
import { NetworkFirst, NetworkOnly } from 'workbox-strategies';
import { OFFLINE_PAGE_PATH, VISITED_PAGES_CACHE, VISITED_PAGES_MAX, isCacheablePageUrl, isCacheableResponse, isPrivatePath } from '../offline/routes.ts';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: Array<PrecacheEntry | string> };

// Ticket threads and the API: always the network, never a cache (they are private to one customer).
// Registered first so no later route can claim them.
registerRoute(({ url, sameOrigin }) => sameOrigin && isPrivatePath(url.pathname), new NetworkOnly());

// Articles, categories, home pages, the search index and assets, by revision: a new build refetches
// only the files whose revision changed, and deletes entries no longer listed when it activates.
precacheAndRoute(self.__WB_MANIFEST, {
  // `/articles/x` (no slash) is the same page as the precached `/articles/x/`.
  urlManipulation: ({ url }) => (url.pathname.endsWith('/') || /\.[a-z0-9]+$/i.test(url.pathname) ? [] : [new URL(`${url.pathname}/`, url)]),
});
cleanupOutdatedCaches();

// Every other page (server-rendered search results, pages of a knowledgebase above the cap): the
// network when there is one, else the copy kept from the last visit, else the offline page below.
registerRoute(
  ({ request, sameOrigin }) => request.mode === 'navigate' && sameOrigin,
  new NetworkFirst({
    cacheName: VISITED_PAGES_CACHE,
    networkTimeoutSeconds: 5,
    plugins: [
      {
        cacheWillUpdate: async ({ request, response }) =>
          isCacheablePageUrl(new URL(request.url)) && isCacheableResponse({ status: response.status, type: response.type, cacheControl: response.headers.get('Cache-Control') }) ? response : null,
      },
      // @ts-expect-error workbox declares the plugin's optional callbacks as `T | undefined`, which exactOptionalPropertyTypes rejects for WorkboxPlugin.
      new ExpirationPlugin({ maxEntries: VISITED_PAGES_MAX, purgeOnQuotaError: true }),
    ],
  }),
);

// No network and no copy: a navigation gets the offline page (with its search box); anything else fails
// as a network error would, so scripts see "offline" and not a page.
setCatchHandler(async ({ request }) => {
  if (request.mode === 'navigate') return (await matchPrecache(OFFLINE_PAGE_PATH)) ?? Response.error();
  return Response.error();
});

// The page asks before a waiting version takes over (src/scripts/offline-support.ts), so a visitor is
// never switched to new assets mid-page.
self.addEventListener('message', (event: ExtendableMessageEvent) => {
  if ((event.data as { type?: unknown } | null)?.type === 'SKIP_WAITING') void self.skipWaiting();
});

// A new version activates: pages kept from visits belong to the old build (its CSS and scripts are gone).
self.addEventListener('activate', (event) => event.waitUntil(caches.delete(VISITED_PAGES_CACHE)));

clientsClaim();
