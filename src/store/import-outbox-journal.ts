import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { legacyExtraToFields, MetadataFieldsSchema } from '../tickets/metadata.ts';
import type { Database } from './database.ts';
import type { OutboxTable } from './schema.ts';

/*
 * The outbox of earlier releases was an fsync'd JSON-lines journal (`DATA_DIR/outbox/journal.ndjson`) replayed
 * into memory. On first start with the store, everything in it — queued, poisoned and done entries, their
 * results and ticket refs, and the bytes of attachments not yet uploaded — moves into the store in one
 * transaction, and the folder is renamed aside (`DATA_DIR/outbox.imported`). This file is the only reader of
 * that format left.
 */

const OldEntrySchema = z.strictObject({
  id: z.string(),
  ticket: z.string(),
  createdAt: z.string(),
  op: z.discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('createTicket'),
      title: z.string(),
      body: z.string(),
      labels: z.array(z.string()),
      assignees: z.array(z.string()).optional(),
      customerEmail: z.string().optional(),
      attachments: z.array(z.string()).optional(),
      fields: MetadataFieldsSchema.optional(),
      extra: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({
      kind: z.literal('addComment'),
      body: z.string(),
      customerEmail: z.string().optional(),
      attachments: z.array(z.string()).optional(),
      fields: MetadataFieldsSchema.optional(),
      extra: z.record(z.string(), z.unknown()).optional(),
    }),
    z.strictObject({ kind: z.literal('uploadAttachment'), path: z.string(), contentBase64: z.string(), message: z.string() }),
  ]),
});
type OldEntry = z.output<typeof OldEntrySchema>;

const ResultSchema = z.strictObject({ number: z.number().optional(), messageId: z.number().optional(), path: z.string().optional() });

/** The old journal's records, one JSON object a line. */
const OldRecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('enqueue'), entry: OldEntrySchema }),
  z.strictObject({ t: z.literal('attempt'), id: z.string(), at: z.string() }),
  z.strictObject({ t: z.literal('failed'), id: z.string(), at: z.string(), error: z.string(), retryAt: z.string() }),
  z.strictObject({ t: z.literal('done'), id: z.string(), at: z.string(), result: ResultSchema }),
  z.strictObject({ t: z.literal('poisoned'), id: z.string(), at: z.string(), error: z.string(), status: z.number().optional() }),
  z.strictObject({ t: z.literal('retry'), id: z.string(), at: z.string() }),
]);
type OldRecord = z.output<typeof OldRecordSchema>;

interface OldState {
  entry: OldEntry;
  status: 'queued' | 'done' | 'poisoned';
  attempts: number;
  firstAttemptAt: number | null;
  lastError: string | null;
  hostStatus: number | null;
  retryAt: number;
  result: z.output<typeof ResultSchema> | null;
  doneAt: number | null;
}

/** Replays the journal's lines into entry states, in enqueue order (torn lines are skipped, as the old reader did). */
export function readOutboxJournal(file: string, warn: (message: string) => void = console.warn): OldState[] {
  const states = new Map<string, OldState>();
  const time = (iso: string) => {
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? 0 : ms;
  };
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let record: OldRecord;
    try {
      record = OldRecordSchema.parse(JSON.parse(line));
    } catch {
      warn(`outbox import: skipping a damaged journal line in ${file} (a write torn by a crash): ${line.slice(0, 80)}`);
      continue;
    }
    if (record.t === 'enqueue') {
      if (!states.has(record.entry.id))
        states.set(record.entry.id, { entry: record.entry, status: 'queued', attempts: 0, firstAttemptAt: null, lastError: null, hostStatus: null, retryAt: 0, result: null, doneAt: null });
      continue;
    }
    const state = states.get(record.id);
    if (!state) continue;
    switch (record.t) {
      case 'attempt':
        state.attempts += 1;
        state.firstAttemptAt ??= time(record.at);
        break;
      case 'failed':
        state.lastError = record.error;
        state.retryAt = time(record.retryAt);
        break;
      case 'done':
        state.status = 'done';
        state.result = record.result;
        state.doneAt = time(record.at);
        break;
      case 'poisoned':
        state.status = 'poisoned';
        state.lastError = record.error;
        state.hostStatus = record.status ?? null;
        break;
      case 'retry':
        if (state.status === 'poisoned') {
          state.status = 'queued';
          state.retryAt = 0;
        }
        break;
    }
  }
  return [...states.values()];
}

export interface JournalImport {
  queued: number;
  poisoned: number;
  done: number;
  /** Where the old folder went. */
  movedTo: string;
}

/** Rows per insert statement (well under both engines' limits on bound parameters). */
const CHUNK = 100;

/**
 * Imports the old outbox journal folder `dir` (e.g. `DATA_DIR/outbox`) into the store, if it exists, in one
 * transaction, then renames the folder aside. Entries already in the store (an import interrupted between its
 * commit and the rename) are left as they are. Resolves with what was imported, or undefined when there was no
 * old journal.
 */
export async function importOutboxJournal(database: Database, dir: string, log: Pick<Console, 'info' | 'warn'> = console): Promise<JournalImport | undefined> {
  if (!existsSync(dir)) return undefined;
  const file = path.join(dir, 'journal.ndjson');
  const states = existsSync(file) ? readOutboxJournal(file, (m) => log.warn(m)) : [];
  const counts = { queued: 0, poisoned: 0, done: 0 };
  const seenDraftKeys = new Set<string>();
  const rows: Array<Omit<OutboxTable, 'seq'>> = [];
  const blobs: Array<{ path: string; entry_id: string; bytes: Uint8Array }> = [];
  const refs: Array<{ ref: string; number: number }> = [];
  for (const s of states) {
    const { entry } = s;
    counts[s.status] += 1;
    const { op } = entry;
    let stored: Record<string, unknown> = {};
    if (s.status !== 'done') {
      if (op.kind === 'uploadAttachment') {
        const { contentBase64, ...rest } = op;
        stored = rest;
        blobs.push({ path: op.path, entry_id: entry.id, bytes: Buffer.from(contentBase64, 'base64') });
      } else stored = op;
    }
    const customerEmail = op.kind === 'uploadAttachment' ? undefined : op.customerEmail?.trim().toLowerCase();
    // The old desk checked draft keys in memory; should a race have let one through twice, the first keeps it.
    let draftKey = op.kind === 'createTicket' ? (op.fields?.draftKey ?? legacyExtraToFields(op.extra).draftKey) : undefined;
    if (draftKey !== undefined && seenDraftKeys.has(draftKey)) draftKey = undefined;
    if (draftKey !== undefined) seenDraftKeys.add(draftKey);
    if (s.status === 'done' && op.kind === 'createTicket' && s.result?.number !== undefined) refs.push({ ref: entry.ticket, number: s.result.number });
    rows.push({
      id: entry.id,
      ticket: entry.ticket,
      kind: op.kind,
      op: JSON.stringify(stored),
      status: s.status,
      created_at: Date.parse(entry.createdAt) || 0,
      attempts: s.attempts,
      first_attempt_at: s.firstAttemptAt,
      // The old journal recorded no outcome window; its attempts are long settled by the time an upgrade imports them.
      unsettled_until: null,
      retry_at: s.retryAt,
      last_error: s.lastError,
      host_status: s.hostStatus,
      result: s.result ? JSON.stringify(s.result) : null,
      done_at: s.status === 'done' ? (s.doneAt ?? Date.now()) : null,
      lease_owner: null,
      lease_until: null,
      customer_email: customerEmail ?? null,
      draft_key: draftKey ?? null,
    });
  }
  await database.db.transaction().execute(async (trx) => {
    // Enqueue order becomes `seq` order.
    for (let i = 0; i < rows.length; i += CHUNK)
      await trx
        .insertInto('outbox')
        .values(rows.slice(i, i + CHUNK))
        .onConflict((oc) => oc.doNothing())
        .execute();
    for (let i = 0; i < refs.length; i += CHUNK)
      await trx
        .insertInto('ticket_refs')
        .values(refs.slice(i, i + CHUNK))
        .onConflict((oc) => oc.doNothing())
        .execute();
    // Blobs one by one: attachments may be large.
    for (const blob of blobs)
      await trx
        .insertInto('attachment_blobs')
        .values(blob)
        .onConflict((oc) => oc.doNothing())
        .execute();
  });
  let movedTo = `${dir}.imported`;
  if (existsSync(movedTo)) movedTo = `${dir}.imported-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  try {
    renameSync(dir, movedTo);
  } catch (error) {
    // Another process sharing this data folder imported it at the same moment and renamed it first.
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  log.info(
    `outbox: imported the old journal ${file} into the store (${database.description}): ${counts.queued} queued, ${counts.poisoned} poisoned, ${counts.done} done entries, ${refs.length} ticket refs, ${blobs.length} attachments not yet uploaded; the old folder is now ${movedTo}`,
  );
  return { ...counts, movedTo };
}
