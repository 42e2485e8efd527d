import { readFileSync } from 'node:fs';

/** The server's clock: the time every feature that measures time is given (`now`), and news of a scripted jump. */
export interface Clock {
  now(): number;
  /** Calls `listener` when the scripted time changes (never for the real clock). */
  onChange(listener: () => void): void;
  close(): void;
}

/** The real clock. */
export const systemClock: Clock = { now: () => Date.now(), onChange() {}, close() {} };

/**
 * A scripted clock for tests (HELPDESK_TEST_CLOCK_FILE, read once by env.ts): the file holds the current time as an
 * ISO instant or milliseconds, and moving it moves the server's time. Only the environment the server starts with
 * can turn it on; no request can. An unreadable file is a test's mistake: the error says so.
 */
export function scriptedClock(file: string): Clock {
  const read = () => {
    const text = readFileSync(file, 'utf8').trim();
    const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (Number.isNaN(ms)) throw new Error(`HELPDESK_TEST_CLOCK_FILE ${file} holds "${text.slice(0, 40)}", not a time; write an ISO instant such as 2026-12-04T15:00:00Z`);
    return ms;
  };
  let current = read();
  // The time listeners last heard of; polled by content, not by file events, so a write right after start counts too.
  let announced = current;
  const listeners: Array<() => void> = [];
  const poll = setInterval(() => {
    let next: number;
    try {
      next = read();
    } catch {
      // Being rewritten: the next poll reads it.
      return;
    }
    current = next;
    if (next === announced) return;
    announced = next;
    for (const listener of listeners) listener();
  }, 50).unref();
  return {
    now: () => {
      // Read again on each call: a test that moved the clock expects the next request to see it at once.
      try {
        current = read();
      } catch {
        // Being rewritten: the last time read stands.
      }
      return current;
    },
    onChange: (listener) => void listeners.push(listener),
    close: () => clearInterval(poll),
  };
}
