import type { APIRoute } from 'astro';
import { previewBodyLimit, readBoundedText } from '../../server/bounded-body.ts';
import { errorResponse, json } from '../../server/http.ts';
import { DeskError } from '../../tickets/errors.ts';
import { renderMessage } from '../../tickets/render-message.ts';

export const prerender = false;

/** Renders message markdown exactly as the ticket page will show it. */
export const POST: APIRoute = async ({ request, locals }) => {
  const { config } = locals.services!;
  const limit = config.limits.messageMax;
  let text: string;
  try {
    // Bounded while it is read: the longest message, in bytes, and not one byte more.
    text = await readBoundedText(request, previewBodyLimit(config));
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
  if (text.length > limit) return errorResponse(new DeskError('too_large', { message: `The message may be at most ${limit.toLocaleString('en')} characters long.` }));
  return json({ html: renderMessage(text) });
};
