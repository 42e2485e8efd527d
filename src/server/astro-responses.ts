import type { AstroCookies } from 'astro';
import { SESSION_COOKIE } from './customer-access.ts';
import { ERROR_STATUS, errorResponse, json, wantsJson } from './http.ts';
import { DeskError } from '../tickets/errors.ts';
import type { PortalResult } from './portal.ts';
import type { Services } from './services.ts';

/** Sets the customer's session cookie: HttpOnly, SameSite=Lax, Secure when the site is served over HTTPS. */
export function setSessionCookie(cookies: AstroCookies, services: Services, url: URL, token: string): void {
  cookies.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    secure: url.protocol === 'https:' || services.siteUrl.startsWith('https:'),
    path: '/',
    maxAge: services.access.sessionTtlSeconds,
  });
}

/**
 * Runs a portal action and turns its result into what the page shows: redirects happen here, form
 * results and errors come back for rendering (a refusal that says when to try again sets `Retry-After` on the
 * page's response). JSON callers (the enhanced form, offline drafts) get JSON.
 */
export async function runPortalAction(
  context: { request: Request; cookies: AstroCookies; url: URL; response?: { headers: Headers } },
  services: Services,
  action: () => Promise<PortalResult> | PortalResult,
): Promise<Response | Exclude<PortalResult, { kind: 'redirect' }>> {
  const json_ = wantsJson(context.request);
  try {
    const result = await action();
    if (result.kind === 'redirect') {
      if (result.session) setSessionCookie(context.cookies, services, context.url, result.session);
      if (json_) return json({ url: result.location }, { status: 201 });
      return new Response(null, { status: 303, headers: { Location: result.location } });
    }
    if (json_ && result.kind === 'form') {
      return errorResponse(
        result.refusal ?? new DeskError('invalid_input', { fields: Object.fromEntries(Object.entries(result.errors).filter(([, v]) => v !== undefined)) as Record<string, string> }),
      );
    }
    const retryAfter = result.kind === 'form' ? result.refusal?.retryAfterSeconds : undefined;
    if (retryAfter !== undefined) context.response?.headers.set('Retry-After', String(retryAfter));
    return result;
  } catch (error) {
    if (!(error instanceof DeskError)) throw error;
    if (json_) return errorResponse(error);
    return { kind: 'form', status: ERROR_STATUS[error.code], values: {}, errors: { form: error.message } };
  }
}
