import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config.ts';
import { EMAIL_MESSAGES, nonAsciiEmailMessage, parseEmail } from '../../../src/tickets/email.ts';
import { parseTicketForm } from '../../../src/tickets/ticket-form.ts';

const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const ticket = { name: '', subject: 'Parcel never arrived', message: 'My parcel did not arrive.', type: 'problem', category: 'shipping' };

/** Addresses that look like kevin@example.com (or another ASCII address) and are not. */
const LOOK_ALIKES: [string, string, string][] = [
  ['Kelvin sign', '\u212Aevin@example.com', '\u212A'],
  ['fullwidth @', 'kevin\uFF20example.com', '\uFF20'],
  ['Cyrillic а', 'kevin@ex\u0430mple.com', '\u0430'],
  ['combining acute', 'ke\u0301vin@example.com', '\u0301'],
  ['zero-width joiner', 'ke\u200Dvin@example.com', '\u200D'],
  ['zero-width space', 'kevin@exa\u200Bmple.com', '\u200B'],
  ['fullwidth letters', '\uFF4Bevin@example.com', '\uFF4B'],
  ['dotless ı', 'kevın@example.com', '\u0131'],
];

describe('parseEmail', () => {
  it('trims and lower-cases a plain address', () => {
    expect(parseEmail('  Zoe.Smith+shop@Example.CO.uk ')).toEqual({ ok: true, email: 'zoe.smith+shop@example.co.uk' });
  });

  it.each(LOOK_ALIKES)('refuses a look-alike (%s) outright, naming the character', (_, address, char) => {
    const result = parseEmail(address);
    expect(result).toEqual({ ok: false, message: nonAsciiEmailMessage(char) });
    expect(result.ok === false && result.message).toContain(`U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`);
  });

  it('never maps a non-ASCII address onto an ASCII one (the Kelvin sign lower-cases to k)', () => {
    expect('\u212Aevin@example.com'.toLowerCase()).toBe('kevin@example.com');
    expect(parseEmail('\u212Aevin@example.com').ok).toBe(false);
  });

  it.each([
    [undefined, EMAIL_MESSAGES.missing],
    ['   ', EMAIL_MESSAGES.missing],
    ['nope', EMAIL_MESSAGES.invalid],
    ['a@b', EMAIL_MESSAGES.invalid],
    ['a b@example.com', EMAIL_MESSAGES.invalid],
    ['a\n@example.com', EMAIL_MESSAGES.invalid],
    ['.a@example.com', EMAIL_MESSAGES.invalid],
    ['a..b@example.com', EMAIL_MESSAGES.invalid],
    ['a@-example.com', EMAIL_MESSAGES.invalid],
    ['a@example.c0m', EMAIL_MESSAGES.invalid],
    [`${'a'.repeat(65)}@example.com`, EMAIL_MESSAGES.invalid],
    [`a@${'b'.repeat(250)}.com`, EMAIL_MESSAGES.tooLong],
  ])('refuses %j', (input, message) => {
    expect(parseEmail(input)).toEqual({ ok: false, message });
  });

  it('is the rule of the ticket form too, with the same messages', () => {
    for (const [, address] of LOOK_ALIKES) {
      const form = parseTicketForm({ ...ticket, email: address }, config);
      const direct = parseEmail(address);
      expect(form.ok).toBe(false);
      if (!form.ok && !direct.ok) expect(form.errors.email).toBe(direct.message);
    }
    const good = parseTicketForm({ ...ticket, email: ' Kevin@Example.com' }, config);
    expect(good.ok && good.value.email).toBe('kevin@example.com');
  });
});
