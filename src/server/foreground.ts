/**
 * Requests from people (pages, forms, APIs; not the Git host's webhooks) being answered right now, so background
 * work can give way to them. One gauge per process, whichever copy of this module counts it: the HTTP server
 * (scripts/) and the services (bundled into the Astro build) load it separately.
 */
export interface ForegroundGauge {
  inFlight: number;
}

const KEY = Symbol.for('helpdesk.foreground-gauge');

export function foregroundGauge(): ForegroundGauge {
  const holder = globalThis as { [KEY]?: ForegroundGauge };
  holder[KEY] ??= { inFlight: 0 };
  return holder[KEY];
}

/**
 * Background work giving way to people: resolves once no request of theirs is in flight, `stopped()` turns true,
 * or `maxMs` has passed — a mail or delivery a fifth of a second later goes unnoticed, a slow answer to a form does not.
 */
export async function giveWayToForeground(stopped: () => boolean, maxMs = 200): Promise<void> {
  const gauge = foregroundGauge();
  const until = Date.now() + maxMs;
  while (!stopped() && gauge.inFlight > 0 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Whether a request is one background work should wait for: someone waiting for an answer. */
export function isForeground(req: { url?: string | undefined; headers?: { accept?: string | undefined } | undefined }): boolean {
  // The Git host's webhooks are background work themselves; an event stream (a chat panel, a live staff page) stays
  // open for minutes with nobody waiting on it, and counting it would hold delivery back as long as a page is open.
  return !(req.url ?? '').startsWith('/api/webhooks/') && !(req.headers?.accept ?? '').includes('text/event-stream');
}

/** Counts a request as in flight until its answer is sent or its connection closes. */
export function countForeground(req: { url?: string | undefined; headers?: { accept?: string | undefined } | undefined }, res: { once(event: 'close', listener: () => void): unknown }): void {
  if (!isForeground(req)) return;
  const gauge = foregroundGauge();
  gauge.inFlight += 1;
  res.once('close', () => {
    gauge.inFlight -= 1;
  });
}
