// Which requests the service worker may answer from a cache. Shared by the build (what to precache)
// and the service worker itself (what to cache on visit), so both follow the same rules.

/**
 * Private routes: customers' ticket threads, the API and the staff pages. The server sends them with
 * `Cache-Control: private, no-store`; the service worker never caches them and always goes to the network.
 */
export const PRIVATE_PATH_PREFIXES = ['/tickets', '/api', '/staff'] as const;

/** The precached page shown for a navigation that has neither a network nor a cached copy. */
export const OFFLINE_PAGE_PATH = '/offline/';

/** Runtime cache of pages outside the precache (when the knowledgebase outgrows the cap), emptied on every update. */
export const VISITED_PAGES_CACHE = 'kb-visited-pages';

/** How many visited pages outside the precache are kept, most recently used first. */
export const VISITED_PAGES_MAX = 100;

function normalizePath(pathname: string): string {
  let decoded = pathname;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    // A malformed escape: judge the raw text.
  }
  // `/Tickets/` or `//tickets` may still reach the ticket routes on some servers: compare loosely.
  return decoded.toLowerCase().replace(/\/{2,}/g, '/');
}

/** Whether a URL path belongs to the private ticket or API routes (`/tickets`, `/tickets/…`, `/api/…`). */
export function isPrivatePath(pathname: string): boolean {
  const path = normalizePath(pathname);
  return PRIVATE_PATH_PREFIXES.some((prefix) => path === prefix || path.startsWith(`${prefix}/`) || path.startsWith(`${prefix}.`));
}

/** Knowledgebase page URLs: home (`/`, `/de/`), category (`/categories/x/`, `/de/categories/x/`) and article (`/articles/x/`) pages. */
const KNOWLEDGEBASE_PAGE = /^\/(?:[a-z]{2}(?:-[a-z]{2})?\/)?(?:categories\/[^/]+\/)?$|^\/articles\/[^/]+\/$/;

/**
 * Whether a page the visitor navigated to may be kept in the visited-pages cache: only knowledgebase
 * pages without a query, so a route added later (private or not) is never kept unless listed here.
 */
export function isCacheablePageUrl(url: Pick<URL, 'pathname' | 'search'>): boolean {
  return url.search === '' && !isPrivatePath(url.pathname) && KNOWLEDGEBASE_PAGE.test(url.pathname);
}

/** What the cacheability check needs of a `Response`. */
export interface ResponseFacts {
  status: number;
  /** `Response.type`: only same-origin (`basic`) responses are kept. */
  type: string;
  cacheControl: string | null;
}

/** A response may be cached by the service worker only if it is a same-origin 200 that its server lets caches keep. */
export function isCacheableResponse(response: ResponseFacts): boolean {
  const directives = (response.cacheControl ?? '')
    .toLowerCase()
    .split(',')
    .map((d) => d.trim().split('=')[0]);
  return response.status === 200 && (response.type === 'basic' || response.type === 'default') && !directives.includes('no-store') && !directives.includes('private');
}
