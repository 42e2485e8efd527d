import type { APIRoute } from 'astro';
import { errorResponse } from '../../../../server/http.ts';
import { DeskError } from '../../../../tickets/errors.ts';
import { isInlineImage } from '../../../../tickets/attachments.ts';

export const prerender = false;

/** Attachment downloads go through the same access check as the ticket; nothing is served from the Git host directly. */
export const GET: APIRoute = async ({ params, locals, url }) => {
  const file = await locals.services!.desk.attachment(params.ref ?? '', locals.customer, params.path ?? '');
  if (!file) return errorResponse(new DeskError('not_found', { message: 'There is no such file on a ticket of yours.' }));
  const inline = url.searchParams.has('inline') && isInlineImage(file.type);
  return new Response(file.bytes as Uint8Array<ArrayBuffer>, {
    headers: {
      'Content-Type': file.type,
      'Content-Disposition': `${inline ? 'inline' : 'attachment'}; filename*=UTF-8''${encodeURIComponent(file.name)}`,
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': "default-src 'none'; sandbox",
    },
  });
};
