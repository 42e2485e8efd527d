import type { APIRoute } from 'astro';
import { setSessionCookie } from '../../../server/astro-responses.ts';
import { errorResponse, json } from '../../../server/http.ts';
import { DeskError } from '../../../tickets/errors.ts';

export const prerender = false;

/** Starts a conversation from the chat widget: `{ email, name?, message, lang?, key? }` → 201 `{ ref, present }`. */
export const POST: APIRoute = async ({ request, locals, cookies, url, clientAddress }) => {
  const services = locals.services!;
  try {
    const started = await services.chat.start({ request, session: locals.customer, clientAddress });
    if (started.session) setSessionCookie(cookies, services, url, started.session);
    return json({ ref: started.ref, present: started.present }, { status: 201 });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
};
