import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openMailQueue } from '../../../src/mail/mail-queue.ts';
import type { MailMessage, MailTransport } from '../../../src/mail/transport.ts';
import { freshStore } from '../../helpers/store.ts';
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

let store: Awaited<ReturnType<typeof freshStore>>;
beforeEach(async () => {
  store = await freshStore();
});
afterEach(() => store.remove());

describe('mail queue', () => {
  it('sends one mail per event key, however often it is enqueued, and marks it with the key', async () => {
    const { transport, sent } = flakyTransport();
    const queue = openMailQueue({ database: store.database, transport, log: quiet });
    queue.start();
    expect(await queue.enqueue('staff-reply:1:9', mail('a@example.com'))).toBe(true);
    expect(await queue.enqueue('staff-reply:1:9', mail('a@example.com'))).toBe(false);
    await queue.idle();
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers).toEqual({ 'X-Helpdesk-Event': 'staff-reply:1:9' });
    await queue.close();
  });

  it('gives way to people being answered, then sends', async () => {
    const { transport, sent } = flakyTransport();
    let waits = 0;
    let done!: () => void;
    const over = new Promise<void>((resolve) => {
      done = resolve;
    });
    const queue = openMailQueue({
      database: store.database,
      transport,
      log: quiet,
      giveWay: async () => {
        waits += 1;
        await over;
      },
    });
    queue.start();
    await queue.enqueue('ticket-created:T-1', mail('b@example.com'));
    await waitFor('the queue giving way', () => (waits >= 1 ? true : undefined));
    expect(sent).toEqual([]);
    done();
    await queue.idle();
    expect(sent).toHaveLength(1);
    await queue.close();
  });

  it('keeps a failed mail across a restart and delivers it once the transport works again', async () => {
    const flaky = flakyTransport();
    flaky.state.down = true;
    const first = openMailQueue({ database: store.database, transport: flaky.transport, retryBaseMs: 10, maxRetryMs: 20, log: quiet });
    first.start();
    await first.enqueue('ticket-closed:4:x', mail('b@example.com'));
    await waitFor('a failed attempt', async () => ((await first.mail('ticket-closed:4:x'))?.attempts ?? 0) >= 1);
    await first.close();
    await store.database.close();

    // A new process: a new connection to the same store.
    const reopened = await store.open();
    const healthy = flakyTransport();
    const second = openMailQueue({ database: reopened, transport: healthy.transport, retryBaseMs: 10, log: quiet });
    expect(await second.mail('ticket-closed:4:x')).toMatchObject({ status: 'pending', lastError: 'connection refused' });
    expect(await second.enqueue('ticket-closed:4:x', mail('b@example.com'))).toBe(false);
    second.start();
    await waitFor('the retried mail', () => healthy.sent.length === 1);
    await second.close();
    const third = openMailQueue({ database: reopened, transport: healthy.transport, log: quiet });
    third.start();
    await third.idle();
    expect(healthy.sent).toHaveLength(1);
    expect(await third.mail('ticket-closed:4:x')).toMatchObject({ status: 'sent' });
    await third.close();
    await reopened.close();
  });
});
