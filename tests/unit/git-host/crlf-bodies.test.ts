import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookToTicketEvent } from '../../../src/git-host/webhooks.ts';
import { HEADER_END, publicText, stripCustomerHeader } from '../../../src/tickets/thread.ts';
import { startTestHost, TOKENS, type TestHost } from '../../helpers/local-host.ts';

// GitHub stores text typed or edited in its web UI with CRLF line breaks; the embedded host does the same for
// the logins its `webUiLineEndings` switch names.
let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(() => t.stop());
afterEach(() => t.local.setFaults({}));

const HEADER = '**Customer:** c-0123 · **Order:** 4711';
const CUSTOMER_TEXT = 'My parcel never came.\nCould you look?';

describe('bodies edited in the web UI (CRLF)', () => {
  it('keep the staff header from the customer when staff edit a ticket in the web UI', async () => {
    const host = t.adapter();
    const created = await host.createTicket({ title: 'Parcel', body: `${HEADER}${HEADER_END}${CUSTOMER_TEXT}`, labels: [], key: 'crlf-ticket' });
    t.local.setFaults({ webUiLineEndings: { logins: ['support-anna'] } });
    // Staff open the issue on GitHub, fix nothing, press "Update comment": the browser sends CRLF.
    const raw = await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${created.number}`);
    await t.raw(TOKENS.anna, 'PATCH', `/repos/local/support/issues/${created.number}`, { body: raw.body.body });
    const stored = (await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${created.number}`)).body.body as string;
    expect(stored).toContain(`\r\n\r\n---\r\n\r\n`);
    // Without normalising, the separator is not found and the header is part of what the customer reads.
    expect(stripCustomerHeader(stored)).toContain(HEADER);

    const ticket = await host.getTicket(created.number, { fresh: true });
    expect(ticket?.body).not.toContain('\r');
    expect(ticket?.meta?.key).toBe('crlf-ticket');
    expect(publicText({ author: ticket!.author, body: ticket!.body, meta: ticket!.meta }, 'customer')).toBe(CUSTOMER_TEXT);
  });

  it('keep the header of a customer reply out of its text, read through the adapter or a webhook', async () => {
    const host = t.adapter();
    const created = await host.createTicket({ title: 'Reply', body: 'opening', labels: [], key: 'crlf-reply-ticket' });
    const reply = await host.addComment(created.number, { body: `${HEADER}${HEADER_END}${CUSTOMER_TEXT}`, key: 'crlf-reply' });
    t.local.setFaults({ webUiLineEndings: {} });
    const before = (await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${created.number}/comments`)).body[0].body as string;
    await t.raw(TOKENS.anna, 'PATCH', `/repos/local/support/issues/comments/${reply.id}`, { body: before });

    const [message] = (await host.getTicket(created.number, { fresh: true }))?.messages ?? [];
    expect(message?.meta?.key).toBe('crlf-reply');
    expect(publicText(message!, 'customer')).toBe(CUSTOMER_TEXT);

    const [comment] = (await t.raw(TOKENS.bot, 'GET', `/repos/local/support/issues/${created.number}/comments`)).body;
    expect(comment.body).toContain('\r\n');
    const event = webhookToTicketEvent(
      'issue_comment',
      { action: 'edited', issue: { number: created.number }, comment, repository: { full_name: 'local/support' }, sender: { login: 'support-anna' } },
      { botLogin: 'helpdesk-bot', repository: 'local/support', metadata: host.metadataContext() },
    );
    expect(event?.message?.body).toBe(`${HEADER}${HEADER_END}${CUSTOMER_TEXT}`);
    expect(publicText(event!.message!, 'customer')).toBe(CUSTOMER_TEXT);
  });
});
