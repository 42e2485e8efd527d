import type { APIRoute } from 'astro';
import { STAFF_COOKIE } from '../../server/staff-access.ts';

export const prerender = false;

export const POST: APIRoute = async ({ cookies, locals }) => {
  // Revoked in the store, so a copy of the cookie stops working too, on every server process.
  await locals.services?.staffAccess.signOut(cookies.get(STAFF_COOKIE)?.value);
  cookies.delete(STAFF_COOKIE, { path: '/' });
  return new Response(null, { status: 303, headers: { Location: '/staff/signin' } });
};
