import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadServerSecrets } from '../../src/server/secrets.ts';
import { freshStore } from '../helpers/store.ts';

const removals: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const remove of removals.splice(0)) await remove();
});

async function store() {
  const s = await freshStore();
  removals.push(s.remove);
  return s;
}

/** A data folder of its own, as each instance of a multi-instance set-up has. */
function instanceDir(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'helpdesk-instance-'));
  mkdirSync(path.join(dir, 'secrets'));
  for (const [name, value] of Object.entries(files)) writeFileSync(path.join(dir, 'secrets', name), value);
  return dir;
}

describe('server secrets kept in the store', () => {
  it('are the same for instances starting together on one store, each with its own data folder', async () => {
    const s = await store();
    const second = await s.open();
    const [a, b] = await Promise.all([loadServerSecrets(s.database, instanceDir(), {}), loadServerSecrets(second, instanceDir(), {})]);
    expect(a.session).toMatch(/^[0-9a-f]{64}$/);
    expect(b).toEqual(a);
    expect(a.webhook).not.toBe(a.session);
    // A restart reads them back rather than making new ones.
    expect(await loadServerSecrets(await s.open(), instanceDir(), {})).toEqual(a);
  });

  it('carry over the values an installation from before kept in its data folder', async () => {
    const s = await store();
    const old = instanceDir({ 'session-secret': 'an-old-session-secret-from-the-data-folder\n', 'metadata-signed-since': '1700000000000' });
    const secrets = await loadServerSecrets(s.database, old, {});
    expect(secrets.session).toBe('an-old-session-secret-from-the-data-folder');
    expect(secrets.metadataSignedSince).toBe(1_700_000_000_000);
    // Another instance joining later gets the carried-over values, not its own folder's.
    expect(await loadServerSecrets(s.database, instanceDir({ 'session-secret': 'another-instance-own-secret' }), {})).toEqual(secrets);
  });

  it('leave the environment variables in charge when set', async () => {
    const s = await store();
    const secrets = await loadServerSecrets(s.database, instanceDir(), { SESSION_SECRET: 's'.repeat(40), WEBHOOK_SECRET: 'w'.repeat(40) });
    expect(secrets.session).toBe('s'.repeat(40));
    expect(secrets.webhook).toBe('w'.repeat(40));
    expect(secrets.metadataSignedSince).toBeGreaterThan(Date.now() - 60_000);
  });
});
