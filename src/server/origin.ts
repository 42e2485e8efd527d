const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a state-changing request came from this site: its Origin (or, failing that, Referer)
 * must match the site's own origin or the origin the request was made to. Requests that need no
 * check (GET, HEAD, the Git host's signed webhooks) pass.
 */
export function isSameOriginRequest(request: Request, siteOrigin: string, exemptPaths: readonly string[] = []): boolean {
  if (!UNSAFE_METHODS.has(request.method)) return true;
  const url = new URL(request.url);
  if (exemptPaths.some((p) => url.pathname === p)) return true;
  const source = request.headers.get('origin') ?? originOf(request.headers.get('referer'));
  if (!source || source === 'null') return false;
  return source === url.origin || source === new URL(siteOrigin).origin;
}

function originOf(referer: string | null): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** Headers every dynamic response carries. */
export function securityHeaders(url: URL): Record<string, string> {
  return {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    ...(url.protocol === 'https:' ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}
