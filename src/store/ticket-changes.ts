import type { Kysely, Transaction } from 'kysely';
import type { Database } from './database.ts';
import type { StoreSchema } from './schema.ts';

/*
 * The feed behind the live staff views: one row per change of a ticket as the staff pages show it (its summary
 * in the read model) and per change of who has it open. Rows say which ticket, never what changed: a page that
 * hears of a change reads the ticket again through its own access checks.
 */

export type TicketChangeKind = 'ticket' | 'viewers';

export interface TicketChange {
  seq: number;
  number: number;
  kind: TicketChangeKind;
}

/** Someone with a ticket open in the workspace. */
export interface TicketViewer {
  login: string;
  /** Writing in the message box. */
  replying: boolean;
}

type Writer = Kysely<StoreSchema> | Transaction<StoreSchema>;

/** Records that a ticket changed, in the caller's transaction when it has one. */
export async function recordTicketChange(db: Writer, number: number, kind: TicketChangeKind, now = Date.now()): Promise<void> {
  await db.insertInto('ticket_changes').values({ number, kind, at: now }).execute();
}

/** Changes after `after` (a seq), oldest first, at most `limit`. */
export async function ticketChangesAfter(database: Database, after: number, limit: number): Promise<TicketChange[]> {
  const rows = await database.db.selectFrom('ticket_changes').select(['seq', 'number', 'kind']).where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map((r) => ({ seq: Number(r.seq), number: Number(r.number), kind: r.kind }));
}

/** The newest change's seq; 0 when there is none. */
export async function latestTicketChange(database: Database): Promise<number> {
  const row = await database.db
    .selectFrom('ticket_changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

const PRUNED_KEY = 'ticket-changes:pruned-through';

/**
 * Forgets changes recorded before `before` (ms), remembering the highest seq forgotten so a page resuming from an
 * earlier one knows it missed some, and viewers whose pages stopped saying they are there.
 */
export async function pruneTicketChanges(database: Database, before: number, now = Date.now()): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    const top = await trx
      .selectFrom('ticket_changes')
      .select((eb) => eb.fn.max('seq').as('seq'))
      .where('at', '<', before)
      .executeTakeFirst();
    if (top?.seq == null) return;
    const through = Number(top.seq);
    await trx.deleteFrom('ticket_changes').where('seq', '<=', through).execute();
    await trx
      .insertInto('meta')
      .values({ key: PRUNED_KEY, value: String(through) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: String(through) }))
      .execute();
  });
  await database.db.deleteFrom('ticket_viewers').where('until', '<', now).execute();
}

/** The highest seq pruned; 0 when none was. */
export async function prunedThrough(database: Database): Promise<number> {
  const row = await database.db.selectFrom('meta').select('value').where('key', '=', PRUNED_KEY).executeTakeFirst();
  return row ? Number(row.value) : 0;
}

/**
 * Notes that `login` has the ticket open (and whether they are replying) until `until`; records a change when that
 * is news to the others — someone new, or writing started or stopped — not for each heartbeat.
 */
export async function markViewing(database: Database, input: { number: number; login: string; replying: boolean; until: number; now?: number }): Promise<void> {
  const now = input.now ?? Date.now();
  const loginKey = input.login.toLowerCase();
  await database.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('ticket_viewers').select(['replying', 'until']).where('number', '=', input.number).where('login_key', '=', loginKey).executeTakeFirst();
    const replying = input.replying ? 1 : 0;
    await trx
      .insertInto('ticket_viewers')
      .values({ number: input.number, login_key: loginKey, login: input.login, replying, until: input.until })
      .onConflict((oc) => oc.columns(['number', 'login_key']).doUpdateSet({ login: input.login, replying, until: input.until }))
      .execute();
    const news = !before || Number(before.until) < now || Number(before.replying) !== replying;
    if (news) await recordTicketChange(trx, input.number, 'viewers', now);
  });
}

/** `login` closed the ticket's workspace. */
export async function leaveTicket(database: Database, number: number, login: string, now = Date.now()): Promise<void> {
  await database.db.transaction().execute(async (trx) => {
    const gone = await trx.deleteFrom('ticket_viewers').where('number', '=', number).where('login_key', '=', login.toLowerCase()).executeTakeFirst();
    if (Number(gone.numDeletedRows) > 0) await recordTicketChange(trx, number, 'viewers', now);
  });
}

/** Who has the ticket open now, by login. */
export async function ticketViewers(database: Database, number: number, now = Date.now()): Promise<TicketViewer[]> {
  const rows = await database.db.selectFrom('ticket_viewers').select(['login', 'replying']).where('number', '=', number).where('until', '>=', now).orderBy('login_key').execute();
  return rows.map((r) => ({ login: r.login, replying: Number(r.replying) === 1 }));
}
