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

/** The longest address SMTP carries (RFC 5321: 254 in a path). */
export const EMAIL_MAX_LENGTH = 254;

export const EMAIL_MESSAGES = {
  missing: 'Enter your email address so we can answer you.',
  invalid: 'Enter a valid email address, like name@example.com.',
  tooLong: 'That email address is too long.',
} as const;

export type EmailResult = { ok: true; email: string } | { ok: false; message: string };

// The characters an address may hold: the dot-atom of RFC 5322 in ASCII, which is what people type.
const LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** How a non-ASCII character is named in the message: its code point, and itself when it is visible. */
function describeCharacter(char: string): string {
  const code = `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  return /^[\p{L}\p{N}\p{P}\p{S}]$/u.test(char) ? `“${char}” (${code})` : `an invisible character (${code})`;
}

/** The message for an address holding a character outside plain ASCII; the same wherever it is typed. */
export function nonAsciiEmailMessage(char: string): string {
  return `Type the email address with plain letters a–z, digits and . _ + - only: it contains ${describeCharacter(char)}, which only looks like part of an address.`;
}

/**
 * Checks and normalises an email address: trimmed, ASCII only (anything else is refused, never mapped),
 * a dot-atom local part, a domain of at least two labels, at most 254 characters; lower-cased.
 */
export function parseEmail(input: unknown): EmailResult {
  if (typeof input !== 'string') return { ok: false, message: EMAIL_MESSAGES.missing };
  const email = input.trim();
  if (email === '') return { ok: false, message: EMAIL_MESSAGES.missing };
  for (const char of email) {
    const code = char.codePointAt(0)!;
    if (code > 0x7e) return { ok: false, message: nonAsciiEmailMessage(char) };
    if (code < 0x21) return { ok: false, message: EMAIL_MESSAGES.invalid };
  }
  if (email.length > EMAIL_MAX_LENGTH) return { ok: false, message: EMAIL_MESSAGES.tooLong };
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const labels = email.slice(at + 1).split('.');
  const valid = at > 0 && local.length <= 64 && LOCAL.test(local) && labels.length >= 2 && labels.every((label) => LABEL.test(label)) && /^[A-Za-z]{2,63}$/.test(labels[labels.length - 1]!);
  if (!valid) return { ok: false, message: EMAIL_MESSAGES.invalid };
  return { ok: true, email: email.toLowerCase() };
}
