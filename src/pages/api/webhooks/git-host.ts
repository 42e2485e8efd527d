import type { APIRoute } from 'astro';
import { BODY_LIMITS, readBoundedText } from '../../../server/bounded-body.ts';
import { errorResponse, json } from '../../../server/http.ts';
import { DeskError } from '../../../tickets/errors.ts';

export const prerender = false;

// The Git host waits about ten seconds for an answer; the ticket is processed after this returns.
const REFUSALS = {
  unsigned: { status: 401, message: 'The X-Hub-Signature-256 header is missing: set the webhook secret in the repository webhook settings.' },
  'bad-signature': { status: 401, message: 'The signature does not match: the webhook secret differs from WEBHOOK_SECRET.' },
  'not-configured': { status: 503, message: 'WEBHOOK_SECRET is not set on this server, so no webhook can be verified.' },
  'bad-payload': { status: 400, message: 'The body is not JSON: set the webhook content type to application/json.' },
} as const;

/** Git host webhooks: bounded raw body → verify → de-duplicate → queue → answer at once. */
export const POST: APIRoute = async ({ request, locals }) => {
  const signature = request.headers.get('x-hub-signature-256');
  let body = '';
  try {
    // Unsigned deliveries are refused (401, or 503 without a secret) without reading a byte of the body;
    // a signed one is read up to GitHub's payload cap, then its signature is checked over those bytes.
    if (signature) body = await readBoundedText(request, BODY_LIMITS.webhook);
  } catch (error) {
    if (error instanceof DeskError) return errorResponse(error);
    throw error;
  }
  const outcome = await locals.services!.workflow.receive({
    id: request.headers.get('x-github-delivery'),
    event: request.headers.get('x-github-event'),
    signature,
    body,
  });
  if (outcome.status === 'rejected') {
    const refusal = REFUSALS[outcome.reason];
    return json({ error: { code: `webhook_${outcome.reason.replace('-', '_')}`, message: refusal.message } }, { status: refusal.status });
  }
  return json(outcome, { status: outcome.status === 'accepted' ? 202 : 200 });
};
