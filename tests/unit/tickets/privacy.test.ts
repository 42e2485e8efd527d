import { describe, expect, it } from 'vitest';
import { mentionsAny, redactedMetadata } from '../../../src/tickets/privacy.ts';

describe('redactedMetadata', () => {
  it('keeps the identity and what staff wrote, never the customer', () => {
    expect(
      redactedMetadata({
        kind: 'message',
        key: 'k-1',
        ref: 'T-ABCDEFGH',
        customer: { id: 'c-1', email: 'erin@example.com' },
        customerName: 'Erin',
        order: '123',
        attachments: ['tickets/T-ABCDEFGH/1/a.png'],
        draftKey: 'd',
        unverifiedSince: '2026-01-01T00:00:00Z',
        postedBy: { login: 'support-anna', visibility: 'public' },
        lang: 'de',
      }),
    ).toEqual({ kind: 'message', key: 'k-1', ref: 'T-ABCDEFGH', postedBy: { login: 'support-anna', visibility: 'public' }, lang: 'de' });
  });
});

describe('mentionsAny', () => {
  it.each([
    ['plain text', 'To: Erin@Example.com', ['erin@example.com'], true],
    ['quoted-printable soft breaks', 'Hello Erin Ere=\nsewell', ['Erin Eresewell'], true],
    ['quoted-printable escapes', 'Gr=C3=BC=C3=9Fe J=C3=BCrgen', ['Jürgen'], true],
    ['base64 parts', `Content-Transfer-Encoding: base64\n\n${Buffer.from('Dear Erin Erasewell, thanks').toString('base64')}\n`, ['erin erasewell'], true],
    ['a number followed by a digit', 'see /staff/tickets/12 now', ['/staff/tickets/1'], false],
    ['a number at the end', 'see /staff/tickets/1', ['/staff/tickets/1'], true],
    ['empty needles', 'anything', ['', '  '], false],
  ])('%s', (_, text, needles, expected) => {
    expect(mentionsAny(text, needles)).toBe(expected);
  });
});
