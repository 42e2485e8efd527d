import type { APIRoute } from 'astro';
import { receiveSearchReports } from '../../../server/insights-requests.ts';

export const prerender = false;

/** Searches the search box saw settle, for the anonymous search counts (src/scripts/kb-insights.ts). */
export const POST: APIRoute = ({ request, locals, clientAddress }) => receiveSearchReports({ request, services: locals.services!, clientAddress });
