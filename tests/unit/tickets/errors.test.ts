import { describe, expect, it } from 'vitest';
import { DESK_ERRORS, DeskError, localizeDeskError } from '../../../src/tickets/errors.ts';

describe('localizeDeskError (issue 16, item 8)', () => {
  it('keeps an English refusal as it was thrown, with its own message', () => {
    const error = new DeskError('tickets_off', { message: 'Our support team is away right now.' });
    expect(localizeDeskError(error, 'en')).toBe(error);
  });

  it('words every refusal in German, keeping its code', () => {
    for (const code of Object.keys(DESK_ERRORS) as (keyof typeof DESK_ERRORS)[]) {
      if (code === 'invalid_input') continue;
      const german = localizeDeskError(new DeskError(code), 'de');
      expect(german.code).toBe(code);
      expect(german.message).not.toBe(DESK_ERRORS[code]);
    }
  });

  it('says when to try again after a rate limit, and keeps the wait for Retry-After', () => {
    const limited = localizeDeskError(new DeskError('rate_limited', { message: 'Too many requests. Please try again in 12 minutes.', retryAfterSeconds: 700 }), 'de');
    expect(limited).toMatchObject({ message: 'Zu viele Anfragen. Bitte versuchen Sie es in 12 Minuten erneut.', retryAfterSeconds: 700 });
    expect(localizeDeskError(new DeskError('rate_limited', { retryAfterSeconds: 1 }), 'de').message).toBe('Zu viele Anfragen. Bitte versuchen Sie es in 1 Sekunde erneut.');
  });

  it('passes form errors through: they are worded in the customer’s language where they arise', () => {
    const error = new DeskError('invalid_input', { fields: { subject: 'Geben Sie einen Betreff ein.' } });
    expect(localizeDeskError(error, 'de')).toBe(error);
  });
});
