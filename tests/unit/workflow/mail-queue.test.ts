import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openMailQueue } from '../../../src/mail/mail-queue.ts';
import type { MailMessage, MailTransport } from '../../../src/mail/transport.ts';
import { waitFor } from '../../helpers/wait.ts';

/** A transport that fails while `down` is set and records what it sent. */
function flakyTransport() {
  const sent: MailMessage[] = [];
  const state = { down: false };
  const transport: MailTransport = {
    description: 'test',
    async send(message) {
      if (state.down) throw new Error('connection refused');
      sent.push(message);
      return { messageId: `<${sent.length}@test>` };
    },
  };
  return { transport, sent, state };
}

const quiet = { warn: () => {} };
const mail = (to: string): MailMessage => ({ to, subject: 's', text: 't' });

describe('mail queue', () => {
  it('sends one mail per event key, however often it is enqueued, and marks it with the key', async () => {
    const { transport, sent } = flakyTransport();
    const queue = openMailQueue({ dir: mkdtempSync(join(tmpdir(), 'mq-')), transport, log: quiet });
    queue.start();
    expect(queue.enqueue('staff-reply:1:9', mail('a@example.com'))).toBe(true);
    expect(queue.enqueue('staff-reply:1:9', mail('a@example.com'))).toBe(false);
    await queue.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers).toEqual({ 'X-Helpdesk-Event': 'staff-reply:1:9' });
    await queue.close();
  });

  it('keeps a failed mail across a restart and delivers it once the transport works again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mq-'));
    const flaky = flakyTransport();
    flaky.state.down = true;
    const first = openMailQueue({ dir, transport: flaky.transport, retryBaseMs: 10, maxRetryMs: 20, log: quiet });
    first.start();
    first.enqueue('ticket-closed:4:x', mail('b@example.com'));
    await waitFor('a failed attempt', () => (first.mails.get('ticket-closed:4:x')?.attempts ?? 0) >= 1);
    await first.close();

    const healthy = flakyTransport();
    const second = openMailQueue({ dir, transport: healthy.transport, retryBaseMs: 10, log: quiet });
    expect(second.mails.get('ticket-closed:4:x')).toMatchObject({ status: 'pending', lastError: 'connection refused' });
    expect(second.enqueue('ticket-closed:4:x', mail('b@example.com'))).toBe(false);
    second.start();
    await waitFor('the retried mail', () => healthy.sent.length === 1);
    await second.close();
    const third = openMailQueue({ dir, transport: healthy.transport, log: quiet });
    third.start();
    await third.idle();
    expect(healthy.sent).toHaveLength(1);
    await third.close();
  });
});
