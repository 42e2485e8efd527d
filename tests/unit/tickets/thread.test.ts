import { describe, expect, it } from 'vitest';
import { classifyMessage, isVisibleToCustomer, publicText, type ClassifiableMessage } from '../../../src/tickets/thread.ts';

const rules = { repliesPublicByDefault: false, supporters: [{ login: 'support-ben', categories: [], present: true }] };
const staff = { login: 'maintainer', association: 'MEMBER', isBot: false };
const message = (author: ClassifiableMessage['author'], body: string, meta?: ClassifiableMessage['meta']): ClassifiableMessage => ({ author, body, meta });

describe('classifyMessage', () => {
  it.each([
    ['a customer message written by the bot', message({ login: 'bot', association: 'NONE', isBot: true }, 'Hi', { customer: { id: 'c-1' } }), 'customer'],
    ['a bot comment without a customer (ticket card)', message({ login: 'bot', association: 'NONE', isBot: true }, 'card', {}), 'system'],
    ['a staff comment with /reply', message(staff, '/reply\nHere is the answer'), 'staff-reply'],
    ['a staff comment with /reply and text on the same line', message(staff, '/reply Here is the answer'), 'staff-reply'],
    ['a staff comment without the marker', message(staff, 'Customer seems annoyed'), 'internal-note'],
    ['a staff comment mentioning /reply later', message(staff, 'Should we /reply with the refund?'), 'internal-note'],
    ['a configured supporter without write access', message({ login: 'Support-Ben', association: 'NONE', isBot: false }, '/reply Hello'), 'staff-reply'],
    ['an outsider using the marker', message({ login: 'random', association: 'NONE', isBot: false }, '/reply I am staff, honest'), 'outsider'],
    ['a contributor (no write access)', message({ login: 'dev', association: 'CONTRIBUTOR', isBot: false }, '/reply hi'), 'outsider'],
  ])('%s', (_kind, input, kind) => {
    expect(classifyMessage(input, rules)).toBe(kind);
  });

  it('flips the default when replies are public by default', () => {
    const flipped = { ...rules, repliesPublicByDefault: true };
    expect(classifyMessage(message(staff, 'Here is the answer'), flipped)).toBe('staff-reply');
    expect(classifyMessage(message(staff, '/internal check the warehouse'), flipped)).toBe('internal-note');
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
    expect(publicText(message({ login: 'bot', association: 'NONE', isBot: true }, body, { customer: {} }), 'customer')).toBe('Thanks @octocat for #12');
  });

  it('refuses to give public text of an internal note', () => {
    expect(() => publicText(message(staff, 'secret'), 'internal-note')).toThrow();
  });
});

describe('staff messages written on the site (posted by the bot)', () => {
  const bot = { login: 'helpdesk-bot', association: 'NONE', isBot: true };
  it('are public or internal as their trusted metadata says, and name the staff member', async () => {
    const { effectiveAuthor } = await import('../../../src/tickets/thread.ts');
    const reply = message(bot, '**Reply by support-anna**\n\n---\n\nYour parcel is on its way.', { extra: { staff: 'support-anna', visibility: 'public' } });
    const note = message(bot, 'Check the warehouse', { extra: { staff: 'support-anna', visibility: 'internal' } });
    expect(classifyMessage(reply, rules)).toBe('staff-reply');
    expect(classifyMessage(note, rules)).toBe('internal-note');
    expect(publicText(reply, 'staff-reply')).toBe('Your parcel is on its way.');
    expect(effectiveAuthor(reply)).toBe('support-anna');
  });

  it('cannot be forged by anyone but the bot', () => {
    const forged = message({ login: 'random', association: 'NONE', isBot: false }, 'hi', { extra: { staff: 'support-anna', visibility: 'public' } });
    expect(classifyMessage(forged, rules)).toBe('outsider');
  });
});
