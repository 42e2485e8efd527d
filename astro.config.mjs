// @ts-check
import node from '@astrojs/node';
import { defineConfig } from 'astro/config';
import searchIndex from './src/integrations/search-index.ts';


// Article and category pages are prerendered; ticket and search endpoints opt out with `prerender = false`.
export default defineConfig({
  output: 'static',
  adapter: node({ mode: 'standalone' }),
  integrations: [searchIndex()],
  trailingSlash: 'ignore',
  server: { host: '127.0.0.1', port: 4321 },
  // src/middleware.ts checks Origin on every state-changing request (forms and JSON alike) and answers JSON.
  security: { checkOrigin: false },
});
