import type { APIRoute } from 'astro';
import { errorResponse, json } from '../../../server/http.ts';
import { DeskError } from '../../../tickets/errors.ts';
import { loadTicket } from '../../../server/portal.ts';

export const prerender = false;

/** The ticket as JSON, for the page to show new replies without a reload. */
export const GET: APIRoute = async ({ params, locals, request, clientAddress }) => {
  try {
    const view = await loadTicket({ request, services: locals.services!, session: locals.customer, clientAddress }, params.ref ?? '');
    return json({ ticket: view });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error.code === 'not_signed_in' ? new DeskError('not_found') : error);
    throw error;
  }
};
