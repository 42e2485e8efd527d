import { existsSync, readFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { MESSAGE_KINDS, type MessageKind } from '../tickets/message-kinds.ts';
import type { Database } from './database.ts';

/*
 * Before the state store, the workflow, the mail queue and the used sign-in links each kept a file under
 * DATA_DIR. On the first start with the store, whatever they hold is imported (in one transaction, every
 * insert "if absent", so an import interrupted before the rename simply runs again) and each file is renamed
 * aside to `*.imported`. The formats below are frozen copies of the old ones: they are read, never written.
 */

/** The meta keys the workflow reads (src/workflow/store.ts). */
const META_INSTALLED_AT = 'workflow:installedAt';
const META_SWEEP_CURSOR = 'workflow:sweepCursor';

const LegacyTicketRecord = z.object({
  number: z.number(),
  routed: z.boolean(),
  status: z.string().optional(),
  escalations: z.number().int().min(0),
  handledUpTo: z.number().int().min(0).optional(),
});

const LegacyWorkflowRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('installed'), at: z.string() }),
  z.object({ t: z.literal('kind'), id: z.number(), kind: z.enum(MESSAGE_KINDS as [MessageKind, ...MessageKind[]]) }),
  z.object({ t: z.literal('ticket'), ticket: LegacyTicketRecord }),
  z.object({ t: z.literal('route'), pool: z.string(), login: z.string() }),
  z.object({ t: z.literal('delivery'), id: z.string(), hash: z.string() }),
  z.object({ t: z.literal('cursor'), since: z.string() }),
]);

const LegacyMailMessage = z.object({
  to: z.union([z.string(), z.array(z.string())]),
  subject: z.string(),
  text: z.string(),
  html: z.string().optional(),
  headers: z.record(z.string(), z.string()).optional(),
});

const LegacyMailRecord = z.discriminatedUnion('t', [
  z.object({ t: z.literal('enqueue'), key: z.string(), at: z.string(), message: LegacyMailMessage }),
  z.object({ t: z.literal('sent'), key: z.string(), at: z.string(), messageId: z.string() }),
  z.object({ t: z.literal('failed'), key: z.string(), at: z.string(), error: z.string(), attempts: z.number(), retryAt: z.string() }),
]);

const LegacyUsedLink = z.object({ nonce: z.string(), exp: z.number() });

/** What an import carried over, for the log and tests. */
export interface ImportReport {
  workflow?: { file: string; kinds: number; tickets: number; routes: number; deliveries: number; installedAt: string | undefined; cursor: string | undefined };
  mailQueue?: { file: string; queued: number; sent: number };
  usedLinks?: { file: string; links: number };
}

/** Intact JSON lines of an append-only journal: a line torn by a crash (or otherwise damaged) is skipped. */
function readJsonLines<T>(file: string, schema: z.ZodType<T>, warn: (message: string) => void): T[] {
  const records: T[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let parsed: z.ZodSafeParseResult<T> | undefined;
    try {
      parsed = schema.safeParse(JSON.parse(line));
    } catch {
      parsed = undefined;
    }
    if (parsed?.success) records.push(parsed.data);
    else warn(`skipping a damaged line in ${file}: ${line.slice(0, 80)}`);
  }
  return records;
}

const CHUNK = 200;
function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

function renameAside(from: string, log: Pick<Console, 'info' | 'warn'>, what: string, description: string): void {
  const to = existsSync(`${from}.imported`) ? `${from}.imported-${new Date().toISOString().replace(/[:.]/g, '-')}` : `${from}.imported`;
  try {
    renameSync(from, to);
  } catch (error) {
    // Another process on the same folder imported it first: nothing is lost, every insert was "if absent".
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  log.info(`helpdesk: imported ${what} into the state store (${description}); the old ${path.basename(from)} is now ${to}`);
}

async function importWorkflow(database: Database, file: string, warn: (m: string) => void): Promise<NonNullable<ImportReport['workflow']>> {
  const records = readJsonLines(file, LegacyWorkflowRecord, warn);
  // Replayed as the old store did: the first `installed`, the first kind of each message, the last record
  // of each ticket and pool, the last cursor, every remembered delivery.
  let installedAt: string | undefined;
  let cursor: string | undefined;
  const kinds = new Map<number, MessageKind>();
  const tickets = new Map<number, z.output<typeof LegacyTicketRecord>>();
  const routes = new Map<string, string>();
  const deliveries = new Map<string, string>();
  const hashes = new Set<string>();
  for (const r of records) {
    if (r.t === 'installed') installedAt ??= r.at;
    else if (r.t === 'kind') {
      if (!kinds.has(r.id)) kinds.set(r.id, r.kind);
    } else if (r.t === 'ticket') tickets.set(r.ticket.number, r.ticket);
    else if (r.t === 'route') routes.set(r.pool, r.login);
    else if (r.t === 'delivery') {
      if (!deliveries.has(r.id) && !hashes.has(r.hash)) {
        deliveries.set(r.id, r.hash);
        hashes.add(r.hash);
      }
    } else cursor = r.since;
  }
  // The old journal kept no delivery times: imported deliveries count from now, and are pruned in 30 days.
  const now = Date.now();
  await database.db.transaction().execute(async (trx) => {
    if (installedAt !== undefined) {
      // The journal's installation is the real one (a store opened meanwhile recorded a later time).
      await trx
        .insertInto('meta')
        .values({ key: META_INSTALLED_AT, value: installedAt })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: installedAt }).where('meta.value', '>', installedAt))
        .execute();
    }
    if (cursor !== undefined)
      await trx
        .insertInto('meta')
        .values({ key: META_SWEEP_CURSOR, value: cursor })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    for (const part of chunks([...kinds])) {
      await trx
        .insertInto('message_kinds')
        .values(part.map(([id, kind]) => ({ id, kind })))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
    for (const part of chunks([...tickets.values()])) {
      await trx
        .insertInto('workflow_tickets')
        .values(part.map((t) => ({ number: t.number, record: JSON.stringify(t) })))
        .onConflict((oc) => oc.column('number').doNothing())
        .execute();
    }
    for (const part of chunks([...routes])) {
      await trx
        .insertInto('routes')
        .values(part.map(([pool, login]) => ({ pool, login })))
        .onConflict((oc) => oc.column('pool').doNothing())
        .execute();
    }
    for (const part of chunks([...deliveries])) {
      await trx
        .insertInto('deliveries')
        .values(part.map(([id, hash]) => ({ id, hash, at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
  });
  return { file, kinds: kinds.size, tickets: tickets.size, routes: routes.size, deliveries: deliveries.size, installedAt, cursor };
}

async function importMailQueue(database: Database, file: string, warn: (m: string) => void): Promise<NonNullable<ImportReport['mailQueue']>> {
  const records = readJsonLines(file, LegacyMailRecord, warn);
  type Mail = { key: string; message: string; createdAt: number; sentAt: number | undefined; attempts: number; lastError: string | null; retryAt: number };
  const mails = new Map<string, Mail>();
  for (const r of records) {
    if (r.t === 'enqueue') {
      if (!mails.has(r.key))
        mails.set(r.key, { key: r.key, message: JSON.stringify(r.message), createdAt: Date.parse(r.at) || Date.now(), sentAt: undefined, attempts: 0, lastError: null, retryAt: 0 });
      continue;
    }
    const mail = mails.get(r.key);
    if (!mail) continue;
    if (r.t === 'sent') mail.sentAt = Date.parse(r.at) || Date.now();
    else Object.assign(mail, { attempts: r.attempts, lastError: r.error, retryAt: Date.parse(r.retryAt) || 0 });
  }
  await database.db.transaction().execute(async (trx) => {
    for (const part of chunks([...mails.values()])) {
      await trx
        .insertInto('mail_queue')
        .values(
          part.map((m) => ({
            key: m.key,
            message: m.message,
            status: m.sentAt === undefined ? ('queued' as const) : ('sent' as const),
            attempts: m.attempts,
            retry_at: m.retryAt,
            last_error: m.lastError,
            lease_owner: null,
            lease_until: null,
            created_at: m.createdAt,
            sent_at: m.sentAt ?? null,
          })),
        )
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
  });
  const sent = [...mails.values()].filter((m) => m.sentAt !== undefined).length;
  return { file, queued: mails.size - sent, sent };
}

async function importUsedLinks(database: Database, file: string, warn: (m: string) => void): Promise<NonNullable<ImportReport['usedLinks']>> {
  const nowSeconds = Date.now() / 1000;
  // Links already expired are refused by their signature check anyway.
  const links = new Map(
    readJsonLines(file, LegacyUsedLink, warn)
      .filter((l) => l.exp > nowSeconds)
      .map((l) => [l.nonce, l.exp]),
  );
  await database.db.transaction().execute(async (trx) => {
    for (const part of chunks([...links])) {
      await trx
        .insertInto('used_links')
        .values(part.map(([id, exp]) => ({ id, expires_at: exp * 1000 })))
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    }
  });
  return { file, links: links.size };
}

/**
 * Imports the files of an installation from before the state store, found under `dataDir`:
 * `workflow/journal.ndjson` (installation time, message kinds, ticket records, rotation pointers, webhook
 * deliveries, sweep cursor), `mail-queue/journal.ndjson` (queued and sent mails; the folder is renamed) and
 * `used-links.jsonl` (used sign-in links). Each is renamed aside to `*.imported` once its rows are committed,
 * with a log line. Nothing to import: nothing happens.
 */
export async function importWorkflowJournals(database: Database, dataDir: string, log: Pick<Console, 'info' | 'warn'> = console): Promise<ImportReport> {
  const report: ImportReport = {};
  const warn = (m: string) => log.warn(`helpdesk: import: ${m}`);

  const workflowFile = path.join(dataDir, 'workflow', 'journal.ndjson');
  if (existsSync(workflowFile)) {
    const r = (report.workflow = await importWorkflow(database, workflowFile, warn));
    renameAside(workflowFile, log, `the workflow journal (${r.kinds} message kinds, ${r.tickets} tickets, ${r.routes} rotations, ${r.deliveries} webhook deliveries)`, database.description);
  }

  const mailDir = path.join(dataDir, 'mail-queue');
  const mailFile = path.join(mailDir, 'journal.ndjson');
  if (existsSync(mailFile)) {
    const r = (report.mailQueue = await importMailQueue(database, mailFile, warn));
    renameAside(mailDir, log, `the mail queue (${r.queued} mails to send, ${r.sent} sent)`, database.description);
  }

  const linksFile = path.join(dataDir, 'used-links.jsonl');
  if (existsSync(linksFile)) {
    const r = (report.usedLinks = await importUsedLinks(database, linksFile, warn));
    renameAside(linksFile, log, `the used sign-in links (${r.links} not yet expired)`, database.description);
  }
  return report;
}
