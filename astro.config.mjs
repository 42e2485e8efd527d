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
  server: { host: '127.0.0.1', port: 4321 },
  // src/middleware.ts checks Origin on every state-changing request (forms and JSON alike) and answers JSON.
  // A CSP meta tag on every page: Astro hashes its own scripts and styles; nothing else may run or load.
  security: {
    checkOrigin: false,
    csp: {
      directives: ["default-src 'self'", "img-src 'self' data:", "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"],
    },
  },
});
