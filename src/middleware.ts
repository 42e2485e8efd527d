import { defineMiddleware } from 'astro:middleware';
import { getServices } from './server/composition.ts';
import { SESSION_COOKIE } from './server/customer-access.ts';
import { STAFF_COOKIE } from './server/staff-access.ts';
import { GitHostError } from './git-host/errors.ts';
import { errorResponse, hostOutage, hostUnavailable, outagePageRequest, wantsJson } from './server/http.ts';
import { DeskError } from './tickets/errors.ts';
import { isSameOriginRequest, securityHeaders } from './server/origin.ts';

// The Git host signs its webhooks; it cannot send our Origin.
const ORIGIN_EXEMPT = ['/api/webhooks/git-host'];

/** Composes services for on-demand routes, refuses cross-site writes and adds security headers. */
export const onRequest = defineMiddleware(async (context, next) => {
  if (context.isPrerendered) return next();
  const { pathname } = context.url;
  const isPrivate = pathname.startsWith('/tickets') || pathname.startsWith('/staff') || (pathname.startsWith('/api/') && pathname !== '/api/suggest');
  if (isPrivate) {
    // Only the support desk needs the Git host and the outbox; search and other pages run without them.
    const services = await getServices();
    // Before any session is read: a staff account removed from the config file a moment ago signs nothing in.
    services.refreshConfig();
    services.checkRequestOrigin(context.request);
    if (!isSameOriginRequest(context.request, services.siteUrl, ORIGIN_EXEMPT)) return errorResponse(new DeskError('forbidden_origin'));
    context.locals.services = services;
    const customer = await services.access.readSession(context.cookies.get(SESSION_COOKIE)?.value);
    if (customer) context.locals.customer = customer;
    const staff = await services.staffAccess.readSession(context.cookies.get(STAFF_COOKIE)?.value);
    if (staff) context.locals.staff = staff;
    // Every staff page and endpoint needs a staff session, checked here on the server; only sign-in is open.
    if (pathname.startsWith('/staff') && pathname !== '/staff/signin' && !pathname.startsWith('/staff/oauth/') && !staff) {
      if (context.request.method !== 'GET') return errorResponse(new DeskError('not_signed_in', { message: 'Sign in as staff first.' }));
      return context.redirect(`/staff/signin?next=${encodeURIComponent(pathname + context.url.search)}`, 303);
    }
  }
  let response: Response;
  try {
    response = await next();
  } catch (error) {
    // The Git host is down or refusing: a 502 worded for who asks (customer writes are safe in the outbox), as JSON
    // for the API and the enhanced forms, else in the site's own page.
    if (!(error instanceof GitHostError) || error.kind === 'config') throw error;
    console.warn(`helpdesk: ${context.request.method} ${pathname}: Git host failed: ${error.message}`);
    const outage = hostOutage(context.url, error);
    if (wantsJson(context.request) || pathname.startsWith('/api/')) response = hostUnavailable(outage);
    else {
      response = await context.rewrite(outagePageRequest(context.request, outage)).catch((failure: unknown) => {
        // The page itself failed: the answer still says why, if not in the site's layout.
        console.warn(`helpdesk: the outage page failed: ${String(failure)}`);
        return hostUnavailable(outage);
      });
    }
  }
  // Nobody is told a write is kept before it is on disk: one sync, off the event loop, for all answers waiting now.
  await context.locals.services?.durable();
  const extra = securityHeaders(context.url);
  if (isPrivate) {
    // Ticket threads are private: no shared cache and no service worker may keep them.
    extra['Cache-Control'] = 'private, no-store';
  }
  try {
    for (const [name, value] of Object.entries(extra)) response.headers.set(name, value);
    return response;
  } catch {
    // Response.redirect() has immutable headers; Astro keeps cookies on the response object, so only then copy.
    const copy = new Response(response.body, response);
    for (const [name, value] of Object.entries(extra)) copy.headers.set(name, value);
    return copy;
  }
});
