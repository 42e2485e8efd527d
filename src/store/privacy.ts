import { sql } from 'kysely';
import { mentionsAny } from '../tickets/privacy.ts';
import type { Database } from './database.ts';
import type { AuditLogTable, RemovedTicketsTable } from './schema.ts';

/*
 * What the store does for deleting tickets and for a customer's data (issue 18): the removed tickets their old links
 * explain, the audit log, every record of one ticket or one customer found (export) and deleted (erase), and the file
 * compacted so deleted text is not left in free pages.
 */

/** One audit entry as written: never customer content. */
export type AuditEntry = Omit<AuditLogTable, 'seq'> & { seq: number };

/** Records an action in the audit log. */
export async function recordAudit(database: Database, entry: { actor: string; action: AuditLogTable['action']; target: string; detail: Record<string, unknown>; at?: number }): Promise<void> {
  await database.db
    .insertInto('audit_log')
    .values({ at: entry.at ?? Date.now(), actor: entry.actor, action: entry.action, target: entry.target, detail: JSON.stringify(entry.detail) })
    .execute();
}

/** The latest audit entries, newest first. */
export async function auditLog(database: Database, limit = 100): Promise<AuditEntry[]> {
  const rows = await database.db.selectFrom('audit_log').selectAll().orderBy('seq', 'desc').limit(limit).execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at) }));
}

/** Marks a ticket removed (its number and ref only). */
export async function markTicketRemoved(database: Database, row: RemovedTicketsTable): Promise<void> {
  await database.db
    .insertInto('removed_tickets')
    .values(row)
    .onConflict((oc) => oc.column('number').doUpdateSet({ outcome: row.outcome, removed_at: row.removed_at, ref: row.ref }))
    .execute();
}

/** A removed ticket by its ref or number; undefined when it was not removed. */
export async function removedTicket(database: Database, by: { ref: string } | { number: number }): Promise<RemovedTicketsTable | undefined> {
  const query = database.db.selectFrom('removed_tickets').selectAll();
  const row = await ('ref' in by ? query.where('ref', '=', by.ref) : query.where('number', '=', by.number)).executeTakeFirst();
  return row && { ...row, number: Number(row.number), removed_at: Number(row.removed_at) };
}

/** Tables keyed by a ticket's issue number (`number`). */
const TICKET_TABLES = ['ticket_summaries', 'ticket_summary_assignees', 'ticket_summary_replies', 'workflow_tickets', 'ticket_changes', 'ticket_viewers', 'chat_watchers', 'sla_clocks'] as const;

/** Which tickets and messages the records belong to. */
export interface TicketKeys {
  numbers: readonly number[];
  refs: readonly string[];
  messageIds: readonly number[];
}

/** Rows of every table holding something of these tickets or this customer; what an export shows and an erase deletes. */
export type StoreRecords = Record<string, Array<Record<string, unknown>>>;

/** What identifies a customer in the store. */
export interface CustomerKeys {
  /** Lower-cased address. */
  email: string;
  /** Pseudonymous id (keyed hash of the address). */
  customerId: string;
}

/** Outbox entries (and their waiting attachment bytes) of the tickets or the customer. */
function outboxIds(database: Database, tickets: TicketKeys, customer: CustomerKeys | undefined) {
  const names = [...tickets.refs, ...tickets.numbers.map((n) => `#${n}`)];
  return database.db
    .selectFrom('outbox')
    .select('id')
    .where((eb) => eb.or([...(names.length > 0 ? [eb('ticket', 'in', names)] : []), ...(customer ? [eb('customer_email', '=', customer.email)] : []), eb.val(false)]));
}

/** Abuse-limit windows keyed by the address (`ticketPerEmail:<address>`, …); `_` and `%` in it are no wildcards. */
function limitOf(email: string) {
  const pattern = `%:${email.replace(/[\\%_]/g, (c) => `\\${c}`)}`;
  return sql<boolean>`${sql.ref('key')} like ${pattern} escape '\\'`;
}

/** Mail queue keys whose message mentions one of the needles (an address, a ref, a ticket's staff link). */
async function mailKeys(database: Database, needles: readonly string[]): Promise<string[]> {
  if (needles.length === 0) return [];
  const rows = await database.db.selectFrom('mail_queue').select(['key', 'message']).execute();
  // The message is JSON: its text with `\n` escapes and `\u` for non-ASCII, read back before searching.
  return rows.filter((r) => mentionsAny(`${r.message}\n${Object.values(JSON.parse(r.message) as Record<string, unknown>).join('\n')}`, needles)).map((r) => r.key);
}

/**
 * What marks a queued mail as theirs: their address, a ticket's ref or staff link. Not their name: a short or common
 * one ("Anna") would take other people's mail with it, and every mail about their tickets carries a ref or link.
 */
function storeNeedles(tickets: TicketKeys, customer: CustomerKeys | undefined): string[] {
  return [...(customer ? [customer.email] : []), ...tickets.refs, ...tickets.numbers.map((n) => `/staff/tickets/${n}`)];
}

/**
 * Every record of the tickets (and of the customer, when given) in the store, table by table: what an export
 * archives. Attachment bytes waiting for the Git host are given as base64.
 */
export async function findRecords(database: Database, tickets: TicketKeys, customer?: CustomerKeys): Promise<StoreRecords> {
  const { db } = database;
  const records: StoreRecords = {};
  const numbers = tickets.numbers.length > 0 ? [...tickets.numbers] : [-1];
  for (const table of TICKET_TABLES) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} where number in (${sql.join(numbers)})`.execute(db);
    records[table] = rows;
  }
  records['ticket_refs'] = await db
    .selectFrom('ticket_refs')
    .selectAll()
    .where((eb) => eb.or([eb('number', 'in', numbers), ...(tickets.refs.length > 0 ? [eb('ref', 'in', [...tickets.refs])] : [])]))
    .execute();
  records['outbox'] = await db
    .selectFrom('outbox')
    .selectAll()
    .where('id', 'in', outboxIds(database, tickets, customer))
    .execute();
  const blobs = await db
    .selectFrom('attachment_blobs')
    .selectAll()
    .where('entry_id', 'in', outboxIds(database, tickets, customer))
    .execute();
  records['attachment_blobs'] = blobs.map((b) => ({ ...b, bytes: Buffer.from(b.bytes).toString('base64') }));
  const ids = ['-', ...tickets.numbers.map((n) => `issue:${n}`), ...tickets.messageIds.map((id) => `comment:${id}`)];
  records['verified_metadata'] = await db.selectFrom('verified_metadata').selectAll().where('id', 'in', ids).execute();
  records['message_kinds'] =
    tickets.messageIds.length > 0
      ? await db
          .selectFrom('message_kinds')
          .selectAll()
          .where('id', 'in', [...tickets.messageIds])
          .execute()
      : [];
  records['conversation_invites'] = await db
    .selectFrom('conversation_invites')
    .selectAll()
    .where((eb) => eb.or([...(tickets.refs.length > 0 ? [eb('ref', 'in', [...tickets.refs])] : []), ...(customer ? [eb('customer_id', '=', customer.customerId)] : []), eb.val(false)]))
    .execute();
  const keys = await mailKeys(database, storeNeedles(tickets, customer));
  records['mail_queue'] = keys.length > 0 ? await db.selectFrom('mail_queue').selectAll().where('key', 'in', keys).execute() : [];
  if (customer) {
    records['ticket_summaries_by_customer'] = await db.selectFrom('ticket_summaries').selectAll().where('customer_id', '=', customer.customerId).execute();
    records['verified_addresses'] = await db.selectFrom('verified_addresses').selectAll().where('customer_id', '=', customer.customerId).execute();
    records['limits'] = await db.selectFrom('limits').selectAll().where(limitOf(customer.email)).execute();
  }
  return records;
}

/**
 * Deletes every record `findRecords` finds, in one transaction, and answers how many rows went per table. The
 * removed_tickets and audit_log rows are kept: they hold no customer content.
 */
export async function deleteRecords(database: Database, tickets: TicketKeys, customer?: CustomerKeys): Promise<Record<string, number>> {
  const keys = await mailKeys(database, storeNeedles(tickets, customer));
  return database.db.transaction().execute(async (trx) => {
    const counts: Record<string, number> = {};
    const counted = (table: string, rows: bigint | undefined) => {
      if (rows) counts[table] = (counts[table] ?? 0) + Number(rows);
    };
    // One delete per table and key column; an empty list deletes nothing (and `in ()` is no SQL).
    const deleteWhereIn = async (table: string, column: string, values: readonly (string | number)[]) => {
      if (values.length === 0) return;
      counted(table, (await sql`delete from ${sql.table(table)} where ${sql.ref(column)} in (${sql.join(values)})`.execute(trx)).numAffectedRows);
    };
    const numbers = tickets.numbers.length > 0 ? [...tickets.numbers] : [-1];
    const entries = (await outboxIds({ ...database, db: trx }, tickets, customer).execute()).map((r) => r.id);
    await deleteWhereIn('attachment_blobs', 'entry_id', entries);
    await deleteWhereIn('outbox', 'id', entries);
    if (customer) {
      // Rows of the customer's tickets the caller did not list (a ticket the host no longer has).
      const own = await trx.selectFrom('ticket_summaries').select('number').where('customer_id', '=', customer.customerId).execute();
      numbers.push(...own.map((r) => Number(r.number)));
    }
    for (const table of [...TICKET_TABLES, 'ticket_refs']) await deleteWhereIn(table, 'number', numbers);
    await deleteWhereIn('ticket_refs', 'ref', tickets.refs);
    await deleteWhereIn('verified_metadata', 'id', ['-', ...numbers.map((n) => `issue:${n}`), ...tickets.messageIds.map((id) => `comment:${id}`)]);
    await deleteWhereIn('message_kinds', 'id', tickets.messageIds);
    await deleteWhereIn('conversation_invites', 'ref', tickets.refs);
    await deleteWhereIn('mail_queue', 'key', keys);
    if (customer) {
      counted('conversation_invites', (await trx.deleteFrom('conversation_invites').where('customer_id', '=', customer.customerId).executeTakeFirst()).numDeletedRows);
      counted('verified_addresses', (await trx.deleteFrom('verified_addresses').where('customer_id', '=', customer.customerId).executeTakeFirst()).numDeletedRows);
      counted('limits', (await trx.deleteFrom('limits').where(limitOf(customer.email)).executeTakeFirst()).numDeletedRows);
    }
    return counts;
  });
}

/**
 * Rewrites the store's files so deleted rows leave no text behind: SQLite's VACUUM rebuilds the file without free
 * pages and a checkpoint empties the write-ahead log; PostgreSQL's VACUUM FULL rewrites the tables an erase touches
 * (dead row versions stay in a table's files until then).
 */
export async function compactStore(database: Database, tables: readonly string[]): Promise<void> {
  if (database.engine === 'sqlite') {
    await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
    await sql`vacuum`.execute(database.db);
    await sql`pragma wal_checkpoint(truncate)`.execute(database.db);
    return;
  }
  for (const table of tables) await sql`vacuum full ${sql.table(table)}`.execute(database.db);
}
