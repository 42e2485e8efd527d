import { hkdfSync } from 'node:crypto';
import { hmacSha256 } from '../tickets/keyed-hash.ts';
import { DeskError } from '../tickets/errors.ts';
import { BODY_LIMITS, readBoundedText } from './bounded-body.ts';
import { formFields, readForm } from './form-data.ts';
import { errorResponse, json } from './http.ts';
import type { Services } from './services.ts';

/** The request facts an insights endpoint needs. */
export interface InsightsRequest {
  request: Request;
  services: Services;
  clientAddress: string;
}

/**
 * How a reader's writes are metered without keeping their address: a keyed hash of it (the key derives from the
 * server secret), cut to 128 bits. The abuse-limit table holds that for an hour, never the address.
 */
export function anonymousClientKey(secret: string): (clientAddress: string) => string {
  const key = Buffer.from(hkdfSync('sha256', secret, 'helpdesk', 'helpdesk:insights-client:v1', 32));
  return (clientAddress) => hmacSha256(key).update(clientAddress).digest('base64url').slice(0, 22);
}

const mediaType = (request: Request) => (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();

async function readJson(request: Request, limitBytes: number): Promise<unknown> {
  if (mediaType(request) !== 'application/json') throw new DeskError('bad_content_type', { message: 'Send the body as application/json.' });
  const text = await readBoundedText(request, limitBytes);
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new DeskError('invalid_input', { message: `The body is not valid JSON (${(error as Error).message}).`, cause: error });
  }
}

/** Answers a refusal with its status and reason, and anything unexpected (the store down) with a 503: never a 500. */
async function answer(what: string, work: () => Promise<Response>): Promise<Response> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    console.warn(`helpdesk: ${what} failed: ${error instanceof Error ? error.message : String(error)}`);
    return errorResponse(new DeskError('unavailable'));
  }
}

/**
 * "Was this article helpful?": JSON from the article page's script (200 `{ status: "recorded" | "duplicate" }`), or
 * the form without JavaScript (303 back to the article). Validated, then metered per client.
 */
export function receiveArticleFeedback({ request, services, clientAddress }: InsightsRequest): Promise<Response> {
  return answer('an article vote', async () => {
    const meter = () => services.rateLimits.consume('feedbackPerClient', services.anonymousClient(clientAddress));
    if (mediaType(request) === 'application/x-www-form-urlencoded' || mediaType(request) === 'multipart/form-data') {
      const fields = formFields(await readForm(request, BODY_LIMITS.articleFeedback));
      // Checked before metering, so a malformed form costs no point; the same order as the ticket form.
      const { article } = await services.insights.voteFromForm(fields, meter);
      return new Response(null, { status: 303, headers: { Location: `/articles/${encodeURIComponent(article)}/#article-feedback-thanks` } });
    }
    const body = await readJson(request, BODY_LIMITS.articleFeedback);
    const result = await services.insights.vote(body, meter);
    return json(result);
  });
}

/** Search reports from the search box, in batches: 200 `{ counted, duplicates, ignored }`. */
export function receiveSearchReports({ request, services, clientAddress }: InsightsRequest): Promise<Response> {
  return answer('search reports', async () => {
    const body = await readJson(request, BODY_LIMITS.searchReports);
    const result = await services.insights.reportSearches(body, () => services.rateLimits.consume('searchReportsPerClient', services.anonymousClient(clientAddress)));
    return json(result);
  });
}
