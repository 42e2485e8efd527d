import type { APIRoute } from 'astro';
import { STAFF_COOKIE } from '../../server/staff-access.ts';

export const prerender = false;

export const POST: APIRoute = ({ cookies }) => {
  cookies.delete(STAFF_COOKIE, { path: '/' });
  return new Response(null, { status: 303, headers: { Location: '/staff/signin' } });
};
