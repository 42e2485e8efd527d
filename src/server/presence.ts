import type { Config } from '../config/config-schema.ts';
import type { Database } from '../store/database.ts';
import { readPresence, writePresence, type PresenceSetting } from '../store/presence.ts';

/** How often this process reads the settings other server processes made. */
const REFRESH_MS = 2_000;

export interface Presence {
  /** Sets a supporter present or away: effective at once here, in other server processes within two seconds. */
  set(login: string, present: boolean): Promise<void>;
  /** When a supporter was last set present or away on the staff pages; undefined: never (the config file decides). */
  setting(login: string): PresenceSetting | undefined;
  /** Applies the settings to the config's supporters again: after the config file was re-read. */
  apply(): void;
  close(): void;
}

/**
 * Keeps the `present` flag of the config's supporters in step with the store: a supporter set present or away on
 * the staff pages stays so across restarts and for every server process, whatever the config file says; one never
 * set follows the file. Everything that asks who is present (intake, routing, notifications, the staff pages)
 * reads the one config object, as it does for the supporters the file adds or removes.
 */
export async function followPresence(options: { database: Database; config: Config; log?: Pick<Console, 'warn'> }): Promise<Presence> {
  const { database, config } = options;
  const log = options.log ?? console;
  let settings = await readPresence(database);
  // What the file said for each supporter object (the config reload swaps in new objects when the file changes).
  const fromFile = new WeakMap<object, boolean>();

  function apply(): void {
    for (const supporter of config.supporters) {
      if (!fromFile.has(supporter)) fromFile.set(supporter, supporter.present);
      supporter.present = settings.get(supporter.login.toLowerCase())?.present ?? (fromFile.get(supporter) as boolean);
    }
  }
  apply();

  let reading = false;
  const timer = setInterval(() => {
    if (reading) return;
    reading = true;
    readPresence(database)
      .then((read) => {
        // A setting made here while the read was under way is newer than what it returned.
        for (const [login, mine] of settings) if ((read.get(login)?.at ?? -1) < mine.at) read.set(login, mine);
        settings = read;
        apply();
      })
      .catch((error: unknown) => log.warn(`helpdesk: could not read who is present (${(error as Error).message}); keeping the last known`))
      .finally(() => {
        reading = false;
      });
  }, REFRESH_MS);
  timer.unref();

  return {
    async set(login, present) {
      const setting = { login: login.toLowerCase(), present, at: Date.now() };
      await writePresence(database, setting);
      settings = new Map(settings).set(setting.login, setting);
      apply();
    },
    setting: (login) => settings.get(login.toLowerCase()),
    apply,
    close: () => clearInterval(timer),
  };
}
