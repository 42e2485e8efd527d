import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { scriptedClock, type Clock } from '../../../src/server/clock.ts';
import { waitFor } from '../../helpers/wait.ts';

const opened: Clock[] = [];
afterEach(() => {
  for (const clock of opened.splice(0)) clock.close();
});

describe('the scripted clock', () => {
  it('tells the time the file holds, follows it, and says when it moved', async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'clock-')), 'now');
    writeFileSync(file, '2026-11-20T14:00:00Z');
    const clock = scriptedClock(file);
    opened.push(clock);
    let moves = 0;
    clock.onChange(() => (moves += 1));
    expect(clock.now()).toBe(Date.parse('2026-11-20T14:00:00Z'));
    writeFileSync(file, String(Date.parse('2026-11-23T09:00:00Z')));
    await waitFor('the change to be noticed', () => moves === 1);
    expect(clock.now()).toBe(Date.parse('2026-11-23T09:00:00Z'));
  });

  it('refuses a file that holds no time, saying what it holds', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'clock-')), 'now');
    writeFileSync(file, 'tomorrow');
    expect(() => scriptedClock(file)).toThrow(`HELPDESK_TEST_CLOCK_FILE ${file} holds "tomorrow", not a time; write an ISO instant such as 2026-12-04T15:00:00Z`);
  });
});
