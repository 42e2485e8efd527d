import type { APIRoute } from 'astro';
import { SESSION_COOKIE } from '../../server/customer-access.ts';

export const prerender = false;

export const POST: APIRoute = ({ cookies }) => {
  cookies.delete(SESSION_COOKIE, { path: '/' });
  return new Response(null, { status: 303, headers: { Location: '/tickets' } });
};
