import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config.ts';
import { parseReplyText, parseTicketForm } from '../../../src/tickets/ticket-form.ts';

const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
const valid = {
  email: ' Zoe@Example.com ',
  name: 'Zoë',
  subject: 'Parcel\nnever arrived',
  message: 'My parcel NW-1 did not arrive.\r\nPlease help.',
  type: 'problem',
  category: 'shipping',
  order: 'NW-10485327',
};

describe('parseTicketForm', () => {
  it('cleans a valid form: lower-cased email, one-line subject, normalised line ends, default priority', () => {
    const result = parseTicketForm(valid, config);
    expect(result).toEqual({
      ok: true,
      value: {
        email: 'zoe@example.com',
        name: 'Zoë',
        subject: 'Parcel never arrived',
        message: 'My parcel NW-1 did not arrive.\nPlease help.',
        type: 'problem',
        category: 'shipping',
        order: 'NW-10485327',
        priority: 'normal',
      },
    });
  });

  it.each([
    ['email', { email: 'not-an-email' }, 'Enter a valid email address, like name@example.com.'],
    ['email', { email: undefined }, 'Enter your email address so we can answer you.'],
    ['subject', { subject: 'Hi' }, 'Enter a subject of at least 3 characters.'],
    ['subject', { subject: 'x'.repeat(151) }, 'The subject may be at most 150 characters long.'],
    ['message', { message: 'short' }, 'Describe your question in at least 10 characters.'],
    ['message', { message: 'x'.repeat(60_001) }, 'The message may be at most 60,000 characters long.'],
    ['type', { type: 'praise' }, 'Choose one of: question, problem, complaint, order.'],
    ['category', { category: 'shiping' }, 'Choose one of: orders, shipping, returns, payments, account, troubleshooting.'],
    ['order', { order: 'NW 1; DROP' }, 'Use only letters, digits, dashes, dots and slashes for the order number.'],
    ['name', { name: 'n'.repeat(101) }, 'Keep your name under 100 characters.'],
  ])('reports a bad %s with a message that says what is allowed', (field, change, message) => {
    const result = parseTicketForm({ ...valid, ...change }, config);
    expect(result).toEqual({ ok: false, errors: { [field]: message } });
  });

  it('reports every bad field at once', () => {
    const result = parseTicketForm({}, config);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(Object.keys(result.errors).sort()).toEqual(['category', 'email', 'message', 'subject', 'type']);
  });

  it('uses the signed-in email instead of a typed one', () => {
    const result = parseTicketForm({ ...valid, email: 'someone-else@example.com' }, config, 'zoe@example.com');
    expect(result.ok && result.value.email).toBe('zoe@example.com');
  });

  it('ignores a priority unless customers may choose one', () => {
    expect(parseTicketForm({ ...valid, priority: 'urgent' }, config)).toMatchObject({ ok: true, value: { priority: 'normal' } });
    const allowing = { ...config, features: { ...config.features, customerPriority: true } };
    expect(parseTicketForm({ ...valid, priority: 'urgent' }, allowing)).toMatchObject({ ok: true, value: { priority: 'urgent' } });
    expect(parseTicketForm({ ...valid, priority: 'asap' }, allowing)).toMatchObject({ ok: false, errors: { priority: 'Choose one of: low, normal, high, urgent.' } });
  });
});

describe('parseTicketForm for a German customer (issue 16, item 8)', () => {
  it.each([
    ['email', { email: 'kein-email' }, 'Geben Sie eine gültige E-Mail-Adresse ein, etwa name@example.com.'],
    [
      'email',
      { email: 'zoë@example.com' },
      'Schreiben Sie die E-Mail-Adresse nur mit den Buchstaben a–z, Ziffern und . _ + - : Sie enthält „ë“ (U+00EB), das nur wie ein Teil einer Adresse aussieht.',
    ],
    ['subject', { subject: 'Hi' }, 'Geben Sie einen Betreff mit mindestens 3 Zeichen ein.'],
    ['message', { message: 'x'.repeat(60_001) }, 'Die Nachricht darf höchstens 60.000 Zeichen lang sein.'],
    ['category', { category: 'versand' }, 'Wählen Sie eines von: orders, shipping, returns, payments, account, troubleshooting.'],
    ['order', { order: 'NW 1; DROP' }, 'Verwenden Sie für die Bestellnummer nur Buchstaben, Ziffern, Bindestriche, Punkte und Schrägstriche.'],
  ])('says what is wrong with %s in German, by the same rule', (field, change, message) => {
    expect(parseTicketForm({ ...valid, ...change }, config, undefined, 'de')).toEqual({ ok: false, errors: { [field]: message } });
    // The rule is one: the English form refuses the same value.
    expect(parseTicketForm({ ...valid, ...change }, config, undefined, 'en')).toMatchObject({ ok: false, errors: { [field]: expect.any(String) } });
  });

  it('accepts the same valid form as in English', () => {
    expect(parseTicketForm(valid, config, undefined, 'de')).toEqual(parseTicketForm(valid, config));
  });
});

describe('parseReplyText', () => {
  it('says how long a reply may be', () => {
    expect(parseReplyText('x'.repeat(60_001), config)).toEqual({ ok: false, error: 'The reply may be at most 60,000 characters long; it has 60,001.' });
    expect(parseReplyText('   ', config)).toEqual({ ok: false, error: 'Write a reply before sending.' });
    expect(parseReplyText(' Thanks!\r\n', config)).toEqual({ ok: true, value: 'Thanks!' });
  });

  it('says the same in German on a German ticket', () => {
    expect(parseReplyText('x'.repeat(60_001), config, 'de')).toEqual({ ok: false, error: 'Die Antwort darf höchstens 60.000 Zeichen lang sein; sie hat 60.001.' });
    expect(parseReplyText('   ', config, 'de')).toEqual({ ok: false, error: 'Schreiben Sie eine Antwort, bevor Sie senden.' });
  });
});
