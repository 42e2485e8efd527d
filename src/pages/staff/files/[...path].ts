import type { APIRoute } from 'astro';
import { errorResponse } from '../../../server/http.ts';
import { DeskError } from '../../../tickets/errors.ts';

export const prerender = false;

/** A customer's attachment for staff (the middleware has checked the staff session); always a download, never rendered. */
export const GET: APIRoute = async ({ params, locals }) => {
  const file = await locals.services!.workspace.attachment(params.path ?? '');
  if (!file) return errorResponse(new DeskError('not_found', { message: 'There is no such attachment.' }));
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      'Content-Type': file.type,
      'Content-Disposition': `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
};
