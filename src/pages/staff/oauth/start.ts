import { randomBytes } from 'node:crypto';
import type { APIRoute } from 'astro';
import { errorResponse } from '../../../server/http.ts';
import { DeskError } from '../../../tickets/errors.ts';

export const prerender = false;
export const OAUTH_STATE_COOKIE = 'helpdesk_oauth_state';

/** Sends a member of staff to GitHub to sign in; the state cookie ties the answer to this browser. */
export const GET: APIRoute = ({ locals, cookies, url }) => {
  const oauth = locals.services!.staffOAuth;
  if (!oauth) return errorResponse(new DeskError('not_allowed', { message: 'Sign-in with GitHub is not configured on this site.' }));
  const state = randomBytes(24).toString('base64url');
  // Lax: the browser comes back from GitHub with a top-level GET, which Lax cookies accompany.
  cookies.set(OAUTH_STATE_COOKIE, state, { httpOnly: true, sameSite: 'lax', secure: url.protocol === 'https:', path: '/staff/oauth', maxAge: 600 });
  return new Response(null, { status: 303, headers: { Location: oauth.authorizeUrl(state) } });
};
