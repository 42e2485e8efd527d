import type { APIRoute } from 'astro';
import { errorResponse } from '../../server/http.ts';
import { DeskError } from '../../tickets/errors.ts';

export const prerender = false;

/** The staff pages' live updates (server-sent events): the queue hears of every ticket, a workspace of its own. */
export const GET: APIRoute = async ({ request, url, locals }) => {
  const wanted = url.searchParams.get('ticket');
  if (wanted !== null && !/^[1-9]\d{0,9}$/.test(wanted)) return errorResponse(new DeskError('invalid_input', { message: 'ticket must be a ticket number.' }));
  try {
    const body = await locals.services!.liveViews.stream({
      login: locals.staff!.login,
      ticket: wanted === null ? undefined : Number(wanted),
      lastEventId: request.headers.get('last-event-id'),
      signal: request.signal,
    });
    // No buffering on the way (nginx and other proxies honour X-Accel-Buffering).
    return new Response(body, { headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' } });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
};
