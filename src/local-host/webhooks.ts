import { createHmac, randomUUID } from 'node:crypto';

/** Where the local host sends webhooks, and the secret that signs them. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

/** One delivery attempt, kept for tests and debugging. */
export interface Delivery {
  id: string;
  event: string;
  action: string;
  status: number | 'error';
  payload: Record<string, unknown>;
}

/** GitHub's signature header value: `sha256=` and the HMAC-SHA256 of the raw body. */
export function signPayload(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/**
 * Sends GitHub-shaped webhooks one after another, in the order of the changes that caused them.
 * A failed delivery is recorded, not retried (GitHub does not retry either; it offers redelivery).
 */
export class WebhookSender {
  target: WebhookTarget | undefined;
  readonly deliveries: Delivery[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(target: WebhookTarget | undefined) {
    this.target = target;
  }

  send(event: string, payload: Record<string, unknown> & { action: string }): void {
    const target = this.target;
    if (!target) return;
    this.queue = this.queue.then(async () => {
      const id = randomUUID();
      const body = JSON.stringify(payload);
      let status: number | 'error';
      try {
        const response = await fetch(target.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'GitHub-Hookshot/local-host',
            'x-github-event': event,
            'x-github-delivery': id,
            'x-github-hook-id': '1',
            'x-hub-signature-256': signPayload(target.secret, body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.body?.cancel();
        status = response.status;
      } catch {
        status = 'error';
      }
      this.deliveries.push({ id, event, action: payload.action, status, payload });
    });
  }

  /** Waits until every queued delivery was attempted. */
  async idle(): Promise<void> {
    await this.queue;
  }
}
