import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature, webhookToTicketEvent } from '../../../src/git-host/webhooks.ts';
import { deriveMetadataKey } from '../../../src/tickets/metadata.ts';
import { TEST_METADATA_SECRET } from '../../helpers/local-host.ts';
import { signPayload } from '../../../src/local-host/index.ts';

const ctx = {
  botLogin: 'helpdesk-bot',
  repository: 'local/support',
  metadata: { metadataKey: deriveMetadataKey(TEST_METADATA_SECRET), legacyMetadataBefore: undefined, onRejectedMetadata: () => {} },
};
const issue = { number: 7, title: 't', state: 'open', labels: [], assignees: [] };
const commentJson = { id: 99, body: '/reply hi', user: { login: 'support-anna' }, author_association: 'MEMBER', created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };

describe('webhook signatures (X-Hub-Signature-256)', () => {
  const body = JSON.stringify({ action: 'opened', issue });
  it.each([
    ['valid', signPayload('s3cret', body), true],
    ['signed with another secret', signPayload('other', body), false],
    ['over another body', signPayload('s3cret', `${body} `), false],
    ['missing', null, false],
    ['malformed', 'sha256=zz', false],
    ['sha1 only', 'sha1=0123456789abcdef0123456789abcdef01234567', false],
  ])('%s → %s', async (_name, signature, valid) => {
    expect(await verifyWebhookSignature('s3cret', body, signature)).toBe(valid);
  });
});

describe('webhook payloads → ticket events', () => {
  it('maps issue actions with their actor and label', () => {
    expect(webhookToTicketEvent('issues', { action: 'labeled', issue, label: { name: 'status: escalated' }, sender: { login: 'support-anna' } }, ctx)).toEqual({
      ticketNumber: 7,
      change: 'labeled',
      actor: { login: 'support-anna', isBot: false },
      label: 'status: escalated',
    });
    expect(webhookToTicketEvent('issues', { action: 'closed', issue, sender: { login: 'helpdesk-bot' } }, ctx)?.actor).toEqual({ login: 'helpdesk-bot', isBot: true });
    expect(webhookToTicketEvent('issues', { action: 'transferred', issue, sender: null }, ctx)?.change).toBe('other');
  });

  it('carries the comment as first written', () => {
    const event = webhookToTicketEvent('issue_comment', { action: 'created', issue, comment: commentJson, sender: { login: 'support-anna' } }, ctx);
    expect(event?.change).toBe('message-created');
    expect(event?.message).toMatchObject({ id: 99, body: '/reply hi', author: { login: 'support-anna', association: 'MEMBER', isBot: false } });
  });

  it.each([
    ['another event', 'push', { action: 'opened', issue }],
    ['a pull request', 'issues', { action: 'opened', issue: { ...issue, pull_request: { url: 'x' } } }],
    ['another repository', 'issues', { action: 'opened', issue, repository: { full_name: 'evil/repo' } }],
    ['a payload without an issue', 'issues', { action: 'opened' }],
  ])('ignores %s', (_name, event, payload) => {
    expect(webhookToTicketEvent(event, payload, ctx)).toBeUndefined();
  });
});
