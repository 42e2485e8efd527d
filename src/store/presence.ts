import type { Database } from './database.ts';

/*
 * Supporters set present or away on the staff pages: runtime state every server process shares, kept across
 * restarts. A login with no row follows the config file's `present`.
 */

/** Who set whom present or away, and when (ms). */
export interface PresenceSetting {
  login: string;
  present: boolean;
  at: number;
}

/** Every setting made on the staff pages, by login (lower case). */
export async function readPresence(database: Database): Promise<Map<string, PresenceSetting>> {
  const rows = await database.db.selectFrom('presence').select(['login', 'present', 'at']).execute();
  return new Map(rows.map((r) => [r.login, { login: r.login, present: Number(r.present) === 1, at: Number(r.at) }]));
}

/** Records a supporter present or away; a setting older than the stored one changes nothing. */
export async function writePresence(database: Database, setting: PresenceSetting): Promise<void> {
  await database.db
    .insertInto('presence')
    .values({ login: setting.login.toLowerCase(), present: setting.present ? 1 : 0, at: setting.at })
    .onConflict((oc) =>
      oc
        .column('login')
        .doUpdateSet((eb) => ({ present: eb.ref('excluded.present'), at: eb.ref('excluded.at') }))
        .whereRef('presence.at', '<=', 'excluded.at'),
    )
    .execute();
}
