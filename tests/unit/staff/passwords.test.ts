import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from '../../../src/staff/passwords.ts';

describe('staff passwords', () => {
  it('verify against their scrypt hash and nothing else', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salt every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it.each(['', 'plain-text-password', 'scrypt$1$1$1$a$b', 'scrypt$99999999$8$1$AAAA$AAAA', 'bcrypt$x$y$z$a$b'])('never accept the malformed hash %j', async (stored) => {
    expect(await verifyPassword('plain-text-password', stored)).toBe(false);
  });
});
