import type { APIRoute } from 'astro';
import { json } from '../../../server/http.ts';

export const prerender = false;

/** What the chat widget shows when it opens: whether chat is offered, whether someone is there, who is signed in. */
export const GET: APIRoute = ({ locals }) => json(locals.services!.chat.status(locals.customer));
