import { describe, expect, it } from 'vitest';
import { classifyMessage, effectiveAuthor, isVisibleToCustomer, type ClassifiableMessage } from '../../../src/tickets/message-kinds.ts';
import { publicText } from '../../../src/tickets/thread.ts';

const rules = { repliesPublicByDefault: false };
const staff = { login: 'maintainer', isBot: false };
// Write access comes from the Git host (the collaborator permission), never from the config or the webhook.
const writers = new Set(['maintainer']);
const classify = (m: ClassifiableMessage, r: typeof rules = rules) => classifyMessage(m, r, writers.has(m.author.login));
const message = (author: ClassifiableMessage['author'], body: string, meta?: ClassifiableMessage['meta']): ClassifiableMessage => ({ author, body, meta });

describe('classifyMessage', () => {
  it.each([
    ['a customer message written by the bot', message({ login: 'bot', isBot: true }, 'Hi', { customer: { id: 'c-1' } }), 'customer'],
    ['a bot comment without a customer (ticket card)', message({ login: 'bot', isBot: true }, 'card', {}), 'system'],
    ['a staff comment with /reply', message(staff, '/reply\nHere is the answer'), 'staff-reply'],
    ['a staff comment with /reply and text on the same line', message(staff, '/reply Here is the answer'), 'staff-reply'],
    ['a staff comment that is only /reply', message(staff, '/reply'), 'staff-reply'],
    ['a staff comment with /REPLY in capitals', message(staff, '/REPLY Hello'), 'staff-reply'],
    ['a staff comment without the marker', message(staff, 'Customer seems annoyed'), 'internal-note'],
    ['a staff comment mentioning /reply later', message(staff, 'Should we /reply with the refund?'), 'internal-note'],
    ['a staff comment starting /reply-draft', message(staff, '/reply-draft Dear customer, …'), 'internal-note'],
    ['a staff comment starting /reply.', message(staff, '/reply. not yet'), 'internal-note'],
    ['a staff comment starting /replying', message(staff, '/replying later'), 'internal-note'],
    ['a staff comment starting /reply_', message(staff, '/reply_x hi'), 'internal-note'],
    ['a staff comment starting /reply/', message(staff, '/reply/ hi'), 'internal-note'],
    ['a staff comment with the marker on the second line', message(staff, 'note\n/reply hi'), 'internal-note'],
    ['a configured supporter without write access', message({ login: 'Support-Ben', isBot: false }, '/reply Hello'), 'outsider'],
    ['an outsider using the marker', message({ login: 'random', isBot: false }, '/reply I am staff, honest'), 'outsider'],
  ])('%s', (_kind, input, kind) => {
    expect(classify(input)).toBe(kind);
  });

  it('flips the default when replies are public by default', () => {
    const flipped = { repliesPublicByDefault: true };
    expect(classify(message(staff, 'Here is the answer'), flipped)).toBe('staff-reply');
    expect(classify(message(staff, '/internal check the warehouse'), flipped)).toBe('internal-note');
    expect(classify(message(staff, '/internal-ish is public'), flipped)).toBe('staff-reply');
    expect(classify(message(staff, '/escalate to tier 2'), flipped)).toBe('internal-note');
  });

  it('shows customers only their messages and public replies', () => {
    expect(['customer', 'staff-reply', 'internal-note', 'system', 'outsider'].filter((k) => isVisibleToCustomer(k as never))).toEqual(['customer', 'staff-reply']);
  });
});

describe('publicText', () => {
  it('strips the /reply marker and keeps the text after it', () => {
    expect(publicText(message(staff, '/reply\n\nYour refund is on its way.'), 'staff-reply')).toBe('Your refund is on its way.');
    expect(publicText(message(staff, '/reply Your refund is on its way.'), 'staff-reply')).toBe('Your refund is on its way.');
  });

  it('drops the staff header and the invisible joiners from customer text', () => {
    const body = '**Customer:** c-1 · **Opened:** 2026-11-27\n\n---\n\nThanks @\u2060octocat for #\u206012';
    expect(publicText(message({ login: 'bot', isBot: true }, body, { customer: {} }), 'customer')).toBe('Thanks @octocat for #12');
  });

  it('refuses to give public text of an internal note', () => {
    expect(() => publicText(message(staff, 'secret'), 'internal-note')).toThrow();
  });
});

describe('staff messages written on the site (posted by the bot)', () => {
  const bot = { login: 'helpdesk-bot', isBot: true };
  it('are public or internal as their verified metadata says, and name the staff member', () => {
    const reply = message(bot, '**Reply by support-anna**\n\n---\n\nYour parcel is on its way.', { postedBy: { login: 'support-anna', visibility: 'public' } });
    const note = message(bot, 'Check the warehouse', { postedBy: { login: 'support-anna', visibility: 'internal' } });
    expect(classify(reply)).toBe('staff-reply');
    expect(classify(note)).toBe('internal-note');
    expect(publicText(reply, 'staff-reply')).toBe('Your parcel is on its way.');
    expect(effectiveAuthor(reply)).toBe('support-anna');
  });

  it('cannot be forged by anyone but the bot', () => {
    const forged = message({ login: 'random', isBot: false }, 'hi', { postedBy: { login: 'support-anna', visibility: 'public' } });
    expect(classify(forged)).toBe('outsider');
  });
});
