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

/** Counts a request as in flight until its answer is sent or its connection closes. */
export function countForeground(req: { url?: string | undefined }, res: { once(event: 'close', listener: () => void): unknown }): void {
  // The Git host's webhooks are background work themselves.
  if ((req.url ?? '').startsWith('/api/webhooks/')) return;
  const gauge = foregroundGauge();
  gauge.inFlight += 1;
  res.once('close', () => {
    gauge.inFlight -= 1;
  });
}
