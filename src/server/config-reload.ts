import { readFileSync, statSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { ConfigError, parseConfig, type Config } from './config.ts';

/** The config keys the running server takes up again when the file changes; every other key needs a restart. */
export const RELOADED_KEYS = ['staffAccounts', 'supporters'] as const;

/**
 * How long after a change a file's timestamps may not tell the next change apart: some file systems keep
 * mtime to the second (two on FAT), so an edit within that tick can leave size and times as they were.
 */
const COARSE_MTIME_MS = 2_000;

/** How often the file is checked when no request comes, for work that runs on its own (the reconciliation sweep). */
const IDLE_CHECK_MS = 5_000;

export interface ConfigReload {
  /** Re-reads the config file if it changed since the last check: one `stat` when it did not, at most one per event-loop turn. */
  check(): void;
  close(): void;
}

/**
 * Keeps `config`'s staff accounts and supporters in step with the config file, without a restart: `check`
 * runs before every request that uses them (so a removed account or changed password counts from the next
 * request on) and every few seconds besides. It swaps the two keys on the one config object every service
 * holds (they read them when they use them). A file that cannot be read or validated changes nothing: the
 * last good values stay and the log says which key is wrong.
 *
 * Checked per request rather than with fs.watch: a `stat` costs microseconds, there is no window between
 * the edit and the event in which a removed account still signs in, and it works where watching does not
 * (network and container-mounted file systems, editors that replace the file). Requests read in the same
 * event-loop turn share one check: under load that is many requests per `stat`, and a request that arrives
 * after an edit is always read in a later turn than those before it.
 */
export function watchConfigFile(options: {
  file: string;
  config: Config;
  log?: Pick<Console, 'info' | 'warn' | 'error'>;
  /** Called after the reloaded keys were swapped in (the supporters' presence is applied to the new ones). */
  onReload?: () => void;
}): ConfigReload {
  const { file, config } = options;
  const log = options.log ?? console;
  let seen: string | undefined;
  let stampIsCoarse = false;
  let lastText: string | undefined;
  let lastProblem: string | undefined;

  function reportOnce(problem: string): void {
    if (problem === lastProblem) return;
    lastProblem = problem;
    log.error(`helpdesk: ${problem}\nThe server keeps the staff accounts and supporters it had until the file is fixed.`);
  }

  let checkedThisTurn = false;
  const nextTurn = () => {
    checkedThisTurn = false;
  };

  function checkOncePerTurn(): void {
    if (checkedThisTurn) return;
    checkedThisTurn = true;
    setImmediate(nextTurn);
    check();
  }

  function check(): void {
    let stamp: string;
    let text: string;
    try {
      const stats = statSync(file);
      stamp = `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`;
      if (stamp === seen && !stampIsCoarse) return;
      stampIsCoarse = Date.now() - stats.mtimeMs < COARSE_MTIME_MS;
      text = readFileSync(file, 'utf8');
    } catch (error) {
      reportOnce(`cannot read ${file}: ${(error as Error).message}.`);
      return;
    }
    seen = stamp;
    if (text === lastText) return;
    lastText = text;
    let next: Config;
    try {
      next = parseConfig(text, file);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      reportOnce(`${file} changed but cannot be used:\n${error.message}`);
      return;
    }
    lastProblem = undefined;
    const reloaded = RELOADED_KEYS.filter((key) => !isDeepStrictEqual(config[key], next[key]));
    config.staffAccounts = next.staffAccounts;
    config.supporters = next.supporters;
    options.onReload?.();
    if (reloaded.length > 0) log.info(`helpdesk: ${file} changed: now using its ${reloaded.join(' and ')}.`);
    const needRestart = (Object.keys(next) as (keyof Config)[]).filter((key) => !(RELOADED_KEYS as readonly string[]).includes(key) && !isDeepStrictEqual(config[key], next[key]));
    if (needRestart.length > 0) log.warn(`helpdesk: ${file} changed ${needRestart.join(', ')}: restart the server to use the new values.`);
  }

  check();
  const timer = setInterval(check, IDLE_CHECK_MS);
  timer.unref();
  return { check: checkOncePerTurn, close: () => clearInterval(timer) };
}
