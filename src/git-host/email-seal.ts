import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { pooledRandomBytes } from '../tickets/random-bytes.ts';
import { hmacSha256 } from '../tickets/keyed-hash.ts';

/**
 * Customer emails on public repositories are sealed with AES-256-GCM (PRODUCT.md, privacy). The key is
 * derived with HKDF from a secret (EMAIL_ENCRYPTION_KEY, else SESSION_SECRET), so one secret serves both.
 */
export interface EmailKeys {
  seal: Buffer;
  pseudonym: Buffer;
}

/** Derives the sealing and pseudonym keys from a secret. */
export function deriveEmailKeys(secret: string): EmailKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'helpdesk-customer-email', info, 32));
  return { seal: derive('seal v1'), pseudonym: derive('pseudonym v1') };
}

/** Emails are compared case-insensitively and without surrounding spaces. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The pseudonym key of a private repository, where emails are not sealed (one Buffer, so its prepared key is reused). */
const PRIVATE_REPOSITORY_ID_KEY = Buffer.from('helpdesk customer id (private repository)');

/**
 * The stable pseudonymous customer id staff see instead of the email, e.g. "c-5f2a9b0c1d3e4f60".
 * Keyed, so nobody can confirm a guessed email against a public repository.
 */
export function customerIdFor(email: string, keys: EmailKeys | undefined): string {
  const key = keys?.pseudonym ?? PRIVATE_REPOSITORY_ID_KEY;
  return `c-${hmacSha256(key).update(normaliseEmail(email)).digest('hex').slice(0, 16)}`;
}

/** Seals an email: `v1.` + base64url(iv ‖ tag ‖ ciphertext). */
export function sealEmail(email: string, keys: EmailKeys): string {
  const iv = pooledRandomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keys.seal, iv);
  const ciphertext = Buffer.concat([cipher.update(normaliseEmail(email), 'utf8'), cipher.final()]);
  return `v1.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
}

/** Opens a sealed email; undefined when it was sealed with another key or tampered with. */
export function unsealEmail(sealed: string, keys: EmailKeys): string | undefined {
  if (!sealed.startsWith('v1.')) return undefined;
  const raw = Buffer.from(sealed.slice(3), 'base64url');
  if (raw.length < 29) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', keys.seal, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}
