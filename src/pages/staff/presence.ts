import type { APIRoute } from 'astro';
import { BODY_LIMITS } from '../../server/bounded-body.ts';
import { formFields, readForm } from '../../server/form-data.ts';
import { errorResponse } from '../../server/http.ts';
import { setPresenceFromForm } from '../../server/staff-actions.ts';
import { DeskError } from '../../tickets/errors.ts';

export const prerender = false;

/** Present or away, from the queue page's team panel; back to the queue, which shows the result. */
export const POST: APIRoute = async ({ request, locals }) => {
  const { config, presence } = locals.services!;
  try {
    await setPresenceFromForm({ config, presence, actor: locals.staff!.login, values: formFields(await readForm(request, BODY_LIMITS.staffAction)) });
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
  return new Response(null, { status: 303, headers: { Location: '/staff#team' } });
};
