import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sirv from 'sirv';

/** The Astro app in middleware mode: renders on-demand routes and the 404 page. */
export type AppHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void> | void;

/** Headers on every response, static or rendered: no sniffing, no framing, no referrer leaks. */
export function baseSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    ...(https ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/** How long a static file may be cached: hashed files forever, everything else revalidated. */
export function cacheControlFor(pathname: string): string {
  if (pathname.startsWith('/_astro/')) return 'public, max-age=31536000, immutable';
  // Search index parts carry a content hash in their name (en.head.7216676ad6.json); the manifest does not.
  if (/^\/_search\/.+\.[0-9a-f]{8,}\.json(\.gz|\.br)?$/.test(pathname)) return 'public, max-age=31536000, immutable';
  return 'no-cache';
}

/**
 * The site's HTTP server: static files of the build (with their precompressed .br/.gz twins, ETags
 * and cache headers) first, the Astro app for everything else, security headers on all of it.
 * `https` says whether visitors reach the site over HTTPS (directly or through a proxy), for HSTS.
 */
export function createSiteServer(options: { clientDir: string; app: AppHandler; https: boolean }): Server {
  const headers = baseSecurityHeaders(options.https);
  const serveStatic = sirv(options.clientDir, {
    brotli: true,
    gzip: true,
    etag: true,
    dotfiles: false,
    setHeaders: (res, pathname) => res.setHeader('Cache-Control', cacheControlFor(pathname)),
  });
  return createServer((req, res) => {
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    try {
      decodeURI(req.url ?? '/');
    } catch {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Bad request: the address is not valid.');
      return;
    }
    serveStatic(req, res, () => {
      void Promise.resolve(options.app(req, res)).catch((error: unknown) => {
        console.error(error);
        if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        res.end('Something went wrong on our side. Please try again.');
      });
    });
  });
}
