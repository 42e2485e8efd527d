// @ts-check
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';
import searchIndex from './src/integrations/search-index.ts';
import serviceWorker from './src/integrations/service-worker.ts';

// Article and category pages are prerendered; ticket and search endpoints opt out with `prerender = false`.
export default defineConfig({
  output: 'static',
  // Middleware mode: scripts/serve.ts serves static files and the app with the same security headers.
  adapter: node({ mode: 'middleware' }),
  // The service worker globs the finished client folder: keep it last.
  integrations: [searchIndex(), serviceWorker()],
  // Articles are rendered by src/kb (unified), not Astro's markdown: no Shiki, whose inline styles a CSP forbids.
  markdown: { syntaxHighlight: false },
  trailingSlash: 'ignore',
  // Stylesheets as files, never inlined: cached once by browsers and the service worker, and no page rendered on
  // the server hashes them for its CSP on every request (Astro digests each inline style per render).
  build: { inlineStylesheets: 'never' },
  // The same for scripts: Astro inlines a script below Vite's asset inline limit (and then hashes it per render).
  vite: { build: { assetsInlineLimit: 0 } },
  server: { host: '127.0.0.1', port: 4321 },
  // The CSP is a header the server sets on every response (src/server/http-server.ts): with nothing inlined, no page
  // needs a hash, and Astro's meta-tag CSP would digest every script and stylesheet again on each render.
  // src/middleware.ts checks Origin on every state-changing request (forms and JSON alike) and answers JSON.
  security: { checkOrigin: false },
});
