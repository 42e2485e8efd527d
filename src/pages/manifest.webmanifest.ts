import type { APIRoute } from 'astro';
import { getKnowledgebase } from '../server/knowledgebase.ts';

/** The web app manifest, named after the site in the config file (built once, at build time). */
export const GET: APIRoute = () => {
  const { config } = getKnowledgebase();
  const manifest = {
    name: config.siteName,
    short_name: config.siteName.length <= 12 ? config.siteName : 'Help Centre',
    description: 'Help articles and search, also without a network, and support tickets.',
    id: '/',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    lang: config.defaultLanguage,
    theme_color: '#1f5f8b',
    background_color: '#ffffff',
    icons: [
      { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
    ],
  };
  return new Response(JSON.stringify(manifest, null, 2), { headers: { 'Content-Type': 'application/manifest+json' } });
};
