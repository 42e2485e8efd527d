import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config.ts';
import { createDesk } from '../../../src/desk/desk-service.ts';

const config = parseConfig(readFileSync('helpdesk.config.json', 'utf8'));
// accepting() reads only the config; the other parts are never touched.
const deskFor = (changes: Partial<typeof config>) =>
  createDesk({
    config: { ...config, ...changes },
    host: {} as never,
    outbox: {} as never,
    mail: {} as never,
    signInPath: () => '/x',
    kindsOf: async () => new Map(),
    siteUrl: 'http://x',
    database: {} as never,
    draftKeyMacKey: Buffer.alloc(32),
  });

describe('whether the desk takes new tickets', () => {
  it('takes them while a supporter is present and tickets are on', () => {
    expect(deskFor({}).accepting()).toEqual({ ok: true });
  });

  it('says the team is away while no supporter is present', () => {
    const result = deskFor({ supporters: config.supporters.map((s) => ({ ...s, present: false })) }).accepting();
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('support team is away') });
  });

  it('says tickets are not taken when switched off', () => {
    const result = deskFor({ features: { ...config.features, tickets: false } }).accepting();
    expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('not taking tickets') });
  });
});
