import type { APIRoute } from 'astro';
import { errorResponse } from '../../../../server/http.ts';
import { DeskError } from '../../../../tickets/errors.ts';

export const prerender = false;

/** A conversation's public messages as server-sent events, live; a reconnect resumes after Last-Event-ID. */
export const GET: APIRoute = async ({ request, locals, params }) => {
  try {
    const body = await locals.services!.chat.stream({ session: locals.customer, ref: params.ref ?? '', lastEventId: request.headers.get('last-event-id'), signal: request.signal });
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' } });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error.code === 'not_signed_in' ? new DeskError('not_found') : error);
    throw error;
  }
};
