import type { Database } from './database.ts';

/** A conversation a supporter started with a customer, as the customer's open chat panel announces it. */
export interface ConversationInvite {
  ref: string;
  staffName: string;
  text: string;
  at: number;
}

/** How long invites are kept: a panel hears of those made while it is open. */
const INVITES_KEPT_MS = 24 * 3_600_000;

/** The visitor's chat panel has the conversation open until `until` (ms). */
export async function markWatching(database: Database, number: number, until: number): Promise<void> {
  await database.db
    .insertInto('chat_watchers')
    .values({ number, until })
    .onConflict((oc) => oc.column('number').doUpdateSet({ until }))
    .execute();
}

/** Whether the visitor is watching the conversation live now. */
export async function isWatched(database: Database, number: number, now = Date.now()): Promise<boolean> {
  const row = await database.db.selectFrom('chat_watchers').select('until').where('number', '=', number).executeTakeFirst();
  return row !== undefined && Number(row.until) >= now;
}

export async function recordInvite(database: Database, customerId: string, invite: ConversationInvite): Promise<void> {
  await database.db
    .deleteFrom('conversation_invites')
    .where('at', '<', invite.at - INVITES_KEPT_MS)
    .execute();
  await database.db.deleteFrom('chat_watchers').where('until', '<', invite.at).execute();
  await database.db
    .insertInto('conversation_invites')
    .values({ customer_id: customerId, ref: invite.ref, staff_name: invite.staffName, text: invite.text, at: invite.at })
    .onConflict((oc) => oc.columns(['customer_id', 'ref']).doNothing())
    .execute();
}

/** Conversations started for the customer at or after `since` (ms), oldest first. */
export async function invitesSince(database: Database, customerId: string, since: number): Promise<ConversationInvite[]> {
  const rows = await database.db.selectFrom('conversation_invites').selectAll().where('customer_id', '=', customerId).where('at', '>=', since).orderBy('at').limit(20).execute();
  return rows.map((r) => ({ ref: r.ref, staffName: r.staff_name, text: r.text, at: Number(r.at) }));
}
