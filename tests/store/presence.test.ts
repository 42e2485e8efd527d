import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/server/config.ts';
import { followPresence, type Presence } from '../../src/server/presence.ts';
import { freshStore, STORE_ENGINE } from '../helpers/store.ts';
import { waitFor } from '../helpers/wait.ts';

const configText = readFileSync('helpdesk.config.json', 'utf8');
const present = (config: ReturnType<typeof parseConfig>) => Object.fromEntries(config.supporters.map((s) => [s.login, s.present]));

let store: Awaited<ReturnType<typeof freshStore>>;
const running: Presence[] = [];
beforeEach(async () => {
  store = await freshStore();
});
afterEach(async () => {
  for (const presence of running.splice(0)) presence.close();
  await store.remove();
});

async function follow(config: ReturnType<typeof parseConfig>, database = store.database): Promise<Presence> {
  const presence = await followPresence({ database, config });
  running.push(presence);
  return presence;
}

describe(`presence on ${STORE_ENGINE}`, () => {
  it('starts from the config file and takes a setting from the staff pages at once', async () => {
    const config = parseConfig(configText);
    const presence = await follow(config);
    expect(present(config)).toEqual({ 'support-anna': true, 'support-ben': true });
    await presence.set('Support-Ben', false);
    expect(present(config)).toEqual({ 'support-anna': true, 'support-ben': false });
    expect(presence.setting('support-ben')).toMatchObject({ present: false });
  });

  it('is kept across a restart, and shared with another server process on the same store', async () => {
    const first = parseConfig(configText);
    const other = parseConfig(configText);
    const a = await follow(first);
    const secondDatabase = await store.open();
    try {
      await follow(other, secondDatabase);
      await a.set('support-anna', false);
      // The other process reads the settings every two seconds.
      await waitFor('the other process to see Anna away', async () => other.supporters.find((s) => s.login === 'support-anna')?.present === false);
      // A restart: a new process reads what was set.
      const restarted = parseConfig(configText);
      await follow(restarted);
      expect(present(restarted)).toEqual({ 'support-anna': false, 'support-ben': true });
    } finally {
      for (const presence of running.splice(1)) presence.close();
      await secondDatabase.close();
    }
  });

  it('outlasts a config reload: the new supporter objects get the settings, a supporter never set follows the file', async () => {
    const config = parseConfig(configText);
    const presence = await follow(config);
    await presence.set('support-ben', false);
    // The reload swaps in the file's supporters (Anna now away in the file, Dora added) and applies presence again.
    const edited = JSON.parse(configText) as { supporters: Array<Record<string, unknown>> };
    edited.supporters = [...edited.supporters.map((s) => ({ ...s, present: s['login'] === 'support-anna' ? false : true })), { login: 'support-dora', present: true }];
    config.supporters = parseConfig(JSON.stringify(edited)).supporters;
    presence.apply();
    expect(present(config)).toEqual({ 'support-anna': false, 'support-ben': false, 'support-dora': true });
  });
});
