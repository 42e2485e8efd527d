import type { APIRoute } from 'astro';
import { SESSION_COOKIE } from '../../server/customer-access.ts';

export const prerender = false;

export const POST: APIRoute = async ({ cookies, locals }) => {
  // Revoked in the store, so a copy of the cookie stops working too, on every server process.
  await locals.services?.access.signOut(cookies.get(SESSION_COOKIE)?.value);
  cookies.delete(SESSION_COOKIE, { path: '/' });
  return new Response(null, { status: 303, headers: { Location: '/tickets' } });
};
