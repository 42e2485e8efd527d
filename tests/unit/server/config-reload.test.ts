// The config file is checked before requests that use staff accounts and supporters; requests read in one
// event-loop turn share one check, and a request read after an edit always sees it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/server/config.ts';
import { watchConfigFile } from '../../../src/server/config-reload.ts';

const shipped = JSON.parse(readFileSync('helpdesk.config.json', 'utf8')) as Record<string, unknown>;
const roots: string[] = [];
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function configFileWith(supporters: string[]): string {
  const root = mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'config-reload-'));
  roots.push(root);
  const file = path.join(root, 'helpdesk.config.json');
  writeSupporters(file, supporters);
  return file;
}

function writeSupporters(file: string, supporters: string[]): void {
  writeFileSync(file, JSON.stringify({ ...shipped, supporters: supporters.map((login) => ({ login })) }, null, 2));
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('the config file check', () => {
  it('reads an edit at the first check of the next event-loop turn, once for all checks of a turn', async () => {
    const file = configFileWith(['support-first']);
    const config = parseConfig(readFileSync(file, 'utf8'), file);
    let reloads = 0;
    const reload = watchConfigFile({ file, config, log: quiet, onReload: () => (reloads += 1) });
    try {
      await nextTurn();
      const before = reloads;
      writeSupporters(file, ['support-first', 'support-second']);
      await nextTurn();
      reload.check();
      expect(config.supporters.map((s) => s.login)).toEqual(['support-first', 'support-second']);
      // Later checks in the same turn do not read the file again: an edit now waits for the next turn.
      writeSupporters(file, ['support-second']);
      reload.check();
      reload.check();
      expect(config.supporters.map((s) => s.login)).toEqual(['support-first', 'support-second']);
      await nextTurn();
      reload.check();
      expect(config.supporters.map((s) => s.login)).toEqual(['support-second']);
      expect(reloads - before).toBe(2);
    } finally {
      reload.close();
    }
  });
});
