import type { APIRoute } from 'astro';
import { BODY_LIMITS } from '../../../../server/bounded-body.ts';
import { formFields, readForm } from '../../../../server/form-data.ts';
import { errorResponse, json } from '../../../../server/http.ts';
import type { ViewingState } from '../../../../server/live-views.ts';
import { DeskError } from '../../../../tickets/errors.ts';

export const prerender = false;

const STATES: readonly ViewingState[] = ['viewing', 'replying', 'left'];

/** The workspace says it is open (every 20 s), that its supporter started or stopped writing, or that it closed. */
export const POST: APIRoute = async ({ request, params, locals }) => {
  try {
    if (!/^[1-9]\d{0,9}$/.test(params.number ?? '')) throw new DeskError('not_found');
    const state = formFields(await readForm(request, BODY_LIMITS.staffAction))['state'] as ViewingState;
    if (!STATES.includes(state)) throw new DeskError('invalid_input', { message: 'state must be viewing, replying or left.' });
    return json({ viewers: await locals.services!.liveViews.viewing(Number(params.number), locals.staff!.login, state) });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
};
