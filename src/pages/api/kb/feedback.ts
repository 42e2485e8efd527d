import type { APIRoute } from 'astro';
import { receiveArticleFeedback } from '../../../server/insights-requests.ts';

export const prerender = false;

/** "Was this article helpful?" from an article page (src/components/ArticleFeedback.astro). */
export const POST: APIRoute = ({ request, locals, clientAddress }) => receiveArticleFeedback({ request, services: locals.services!, clientAddress });
