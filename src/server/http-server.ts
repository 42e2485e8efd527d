import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import sirv from 'sirv';
import { largestBodyLimit } from './bounded-body.ts';
import { loadConfig } from './config.ts';
import { countForeground } from './foreground.ts';
import { readSitePaths } from './site-paths.ts';

/** The Astro app in middleware mode: renders on-demand routes and the 404 page. */
export type AppHandler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void) => Promise<void> | void;

/**
 * The content security policy of every page: only the site's own files run, style and load (the build inlines no
 * script or stylesheet; tests/build checks that it stays so). A route may set a stricter one (attachments do).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers on every response, static or rendered: no sniffing, no framing, no referrer leaks, no foreign code. */
export function baseSecurityHeaders(https: boolean): Record<string, string> {
  return {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
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

/** How long a client may go on sending a body nobody reads after its answer went out, before the connection is cut. */
const LINGER_MS = 2_000;

/**
 * A request answered before its body was read to the end (a 413, a redirect that needed no body, a
 * refusal): the connection ends once the answer is out, and the rest of the body is never read. The client
 * gets a moment to read the answer and stop before the socket is destroyed: destroying it at once, with its
 * upload unread, could reset the connection before the answer is read.
 */
function closeWhenAnsweredEarly(req: IncomingMessage, res: ServerResponse): void {
  // Taken now: by the time the answer is out, Node may have detached the request from its socket.
  const socket = req.socket;
  res.once('finish', () => {
    if (req.complete) return;
    socket.end();
    // Node resumes a body nobody read when its answer is out, to read and discard the rest however large
    // (`req._dump()` in resOnFinish, node:_http_server, which restarts the socket two ticks later): an
    // attacker who keeps sending had 200 MB read in the moment below. Stopped once that restart is done.
    setImmediate(() => {
      req.pause();
      socket.pause();
    });
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  });
}

/** The largest body any endpoint reads, from the site's config; undefined when the config cannot be read (the app reports that). */
function configuredBodyLimit(): number | undefined {
  try {
    return largestBodyLimit(loadConfig(readSitePaths().configFile));
  } catch {
    return undefined;
  }
}

/**
 * The site's HTTP server: static files of the build (with their precompressed .br/.gz twins, ETags
 * and cache headers) first, the Astro app for everything else, security headers on all of it.
 * `https` says whether visitors reach the site over HTTPS (directly or through a proxy), for HSTS.
 */
export function createSiteServer(options: { clientDir: string; app: AppHandler; https: boolean; maxBodyBytes?: number }): Server {
  const headers = baseSecurityHeaders(options.https);
  // Every endpoint bounds what it reads (src/server/bounded-body.ts); a declared length over the largest of
  // those limits is refused here, before the app runs. Chunked bodies are counted by the endpoints.
  const maxBodyBytes = options.maxBodyBytes ?? configuredBodyLimit();
  const serveStatic = sirv(options.clientDir, {
    brotli: true,
    gzip: true,
    etag: true,
    dotfiles: false,
    setHeaders: (res, pathname) => res.setHeader('Cache-Control', cacheControlFor(pathname)),
  });
  return createServer((req, res) => {
    countForeground(req, res);
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    closeWhenAnsweredEarly(req, res);
    const declared = Number(req.headers['content-length'] ?? '0');
    if (maxBodyBytes !== undefined && !(declared <= maxBodyBytes)) {
      const message = `The request is too large: at most ${Math.floor(maxBodyBytes / 1024 / 1024)} MiB.`;
      const api = (req.url ?? '').startsWith('/api/');
      res.writeHead(413, { 'Content-Type': api ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8' });
      res.end(api ? JSON.stringify({ error: { code: 'too_large', message } }) : message);
      return;
    }
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
