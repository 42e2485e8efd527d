import type { APIRoute } from 'astro';
import { errorResponse, json } from '../../server/http.ts';
import { DeskError } from '../../tickets/errors.ts';
import { renderMessage } from '../../tickets/render-message.ts';

export const prerender = false;

/** Renders message markdown exactly as the ticket page will show it. */
export const POST: APIRoute = async ({ request, locals }) => {
  const limit = locals.services!.config.limits.messageMax;
  const text = await request.text();
  if (text.length > limit) return errorResponse(new DeskError('too_large', { message: `The message may be at most ${limit.toLocaleString('en')} characters long.` }));
  return json({ html: renderMessage(text) });
};
