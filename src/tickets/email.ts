/**
 * The one rule for customer email addresses, used by every form that takes one (the ticket form, the
 * "My tickets" sign-in form) and before anything mails a link: plain ASCII only, trimmed, lower-cased.
 *
 * ASCII only, because anything else can look like an ASCII address and be another one: the Kelvin sign
 * "K" (U+212A) lower-cases to "k", a fullwidth "＠" or a Cyrillic "а" look like "@" and "a", combining marks
 * and zero-width joiners are invisible. An address is used as typed for the mail and normalised for the
 * session; only when both are the same ASCII string is the mailbox that gets the link the one the session
 * is for. (International addresses would need IDNA and SMTPUTF8 end to end, which the mail path lacks.)
 */

import type { Language } from '../config/config-schema.ts';

/** The longest address SMTP carries (RFC 5321: 254 in a path). */
export const EMAIL_MAX_LENGTH = 254;

export const EMAIL_MESSAGES = {
  missing: 'Enter your email address so we can answer you.',
  invalid: 'Enter a valid email address, like name@example.com.',
  tooLong: 'That email address is too long.',
} as const;

/** The same messages for German customers: one rule, two wordings. */
const EMAIL_MESSAGES_DE: Record<keyof typeof EMAIL_MESSAGES, string> = {
  missing: 'Geben Sie Ihre E-Mail-Adresse ein, damit wir Ihnen antworten können.',
  invalid: 'Geben Sie eine gültige E-Mail-Adresse ein, etwa name@example.com.',
  tooLong: 'Diese E-Mail-Adresse ist zu lang.',
};

const emailMessages = (lang: Language): Record<keyof typeof EMAIL_MESSAGES, string> => (lang === 'de' ? EMAIL_MESSAGES_DE : EMAIL_MESSAGES);

export type EmailResult = { ok: true; email: string } | { ok: false; message: string };

// The characters an address may hold: the dot-atom of RFC 5322 in ASCII, which is what people type.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** How a non-ASCII character is named in the message: its code point, and itself when it is visible. */
function describeCharacter(char: string, lang: Language): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char)) return lang === 'de' ? `„${char}“ (${code})` : `“${char}” (${code})`;
  return lang === 'de' ? `ein unsichtbares Zeichen (${code})` : `an invisible character (${code})`;
}

/** The message for an address holding a character outside plain ASCII; the same wherever it is typed. */
export function nonAsciiEmailMessage(char: string, lang: Language = 'en'): string {
  if (lang === 'de') {
    return `Schreiben Sie die E-Mail-Adresse nur mit den Buchstaben a–z, Ziffern und . _ + - : Sie enthält ${describeCharacter(char, lang)}, das nur wie ein Teil einer Adresse aussieht.`;
  }
  return `Type the email address with plain letters a–z, digits and . _ + - only: it contains ${describeCharacter(char, lang)}, which only looks like part of an address.`;
}

/**
 * Checks and normalises an email address: trimmed, ASCII only (anything else is refused, never mapped),
 * a dot-atom local part, a domain of at least two labels, at most 254 characters; lower-cased.
 */
export function parseEmail(input: unknown, lang: Language = 'en'): EmailResult {
  const messages = emailMessages(lang);
  if (typeof input !== 'string') return { ok: false, message: messages.missing };
  const email = input.trim();
  if (email === '') return { ok: false, message: messages.missing };
  for (const char of email) {
    const code = char.codePointAt(0)!;
    if (code > 0x7e) return { ok: false, message: nonAsciiEmailMessage(char, lang) };
    if (code < 0x21) return { ok: false, message: messages.invalid };
  }
  if (email.length > EMAIL_MAX_LENGTH) return { ok: false, message: messages.tooLong };
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  const valid = at > 0 && local.length <= 64 && LOCAL.test(local) && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && /^[A-Za-z]{2,63}$/.test(labels[labels.length - 1]!);
  if (!valid) return { ok: false, message: messages.invalid };
  return { ok: true, email: email.toLowerCase() };
}
