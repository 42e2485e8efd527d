import { describe, expect, it } from 'vitest';
import { filterQuery, normaliseQuery, personalLooking, redactPersonal } from '../../../src/insights/query-filter.ts';

describe('normaliseQuery', () => {
  it.each([
    ['  Return   POLICY ', 'return policy'],
    ['ＷＩＤＥ letters', 'wide letters'],
    ['"headlamp?"', 'headlamp'],
    ['Größe\tund\nPassform', 'größe und passform'],
    ['zip\u200bper', 'zip per'],
    ['¿dónde está mi pedido?', 'dónde está mi pedido'],
  ])('%j → %j', (raw, normalised) => {
    expect(normaliseQuery(raw)).toBe(normalised);
  });
});

describe('filterQuery keeps ordinary searches', () => {
  it.each(['return policy', '2fa', 'size 42 boots', 'windows 10 update', 'error e3', 'rücksendung', 'headlamp 2024', 'c++ gear'])('%j', (query) => {
    expect(filterQuery(query)).toEqual({ kept: true, query: normaliseQuery(query) });
  });
});

describe('filterQuery drops what looks personal', () => {
  it.each([
    ['an email address', 'refund anna.schmidt@example.com'],
    ['an email address', 'anna@ refund'],
    ['a long number', 'order NW-10485327'],
    ['a long number', 'parcel 12345'],
    ['a phone or account number', 'call +49 30 1234 567'],
    ['a phone or account number', '555-123-4567'],
    ['a phone or account number', 'DE89 3704 0044'],
    ['a web address', 'https://example.com/account?token=x'],
    ['a web address', 'www.shop.test'],
    ['a code', 'voucher ab12cd34ef56'],
    ['a code', '1z999aa1x0'],
  ])('%s: %j', (reason, raw) => {
    expect(personalLooking(normaliseQuery(raw))).toBe(reason);
    expect(filterQuery(raw)).toEqual({ kept: false, reason: 'personal' });
  });

  it('drops a half-typed address too', () => {
    expect(filterQuery('anna@')).toEqual({ kept: false, reason: 'personal' });
  });

  it('counts a pasted message as too long, and a single character as nothing', () => {
    expect(filterQuery('my boots arrived yesterday and the left sole came off after the first walk in the rain')).toEqual({ kept: false, reason: 'too-long' });
    expect(filterQuery('x'.repeat(81))).toEqual({ kept: false, reason: 'too-long' });
    expect(filterQuery(' ? ')).toEqual({ kept: false, reason: 'empty' });
    expect(filterQuery('a')).toEqual({ kept: false, reason: 'empty' });
  });
});

describe('redactPersonal', () => {
  it('takes email addresses and phone, account and order numbers out of a comment, and leaves the rest', () => {
    expect(redactPersonal('Mail me at zoe@example.com or call 0151 2345 6789 about NW-10485327. Size 42 is fine.')).toBe('Mail me at [removed] or call [removed] about NW-[removed]. Size 42 is fine.');
  });
});
