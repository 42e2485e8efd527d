import type { APIRoute } from 'astro';
import { errorResponse, json } from '../../../../server/http.ts';
import { DeskError } from '../../../../tickets/errors.ts';

export const prerender = false;

/** A visitor's message in a conversation: `{ message }` → 202; it reaches the stream once it is on the Git host. */
export const POST: APIRoute = async ({ request, locals, params }) => {
  try {
    await locals.services!.chat.send({ request, session: locals.customer, ref: params.ref ?? '' });
    return json({ accepted: true }, { status: 202 });
  } catch (error) {
    // Someone else's conversation and no conversation answer alike.
    if (error instanceof DeskError) return errorResponse(error.code === 'not_signed_in' ? new DeskError('not_found') : error);
    throw error;
  }
};
