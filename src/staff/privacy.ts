import type { Config } from '../config/config-schema.ts';
import type { GitHost } from '../git-host/index.ts';
import type { Database } from '../store/database.ts';
import { compactStore, deleteRecords, findRecords, markTicketRemoved, recordAudit, removedTicket, type StoreRecords, type TicketKeys } from '../store/privacy.ts';
import { DeskError } from '../tickets/errors.ts';
import { parseEmail } from '../tickets/email.ts';
import { REDACTED_TEXT, REDACTED_TITLE } from '../tickets/privacy.ts';
import { ratingsOf } from '../tickets/ratings.ts';
import type { Ticket, TicketMessage } from '../tickets/ticket.ts';

/*
 * Deleting tickets and a customer's data (export, erase), for admins on the staff pages and for `npm run customer`.
 * Every action is written to the store's audit log: who, when, what, with counts — never customer content.
 */

/** The mail folder, as the composition root reaches it (the mail feature is not this one's to import). */
export interface MailFolderAccess {
  find(needles: readonly string[]): Promise<Array<{ file: string; raw: string }>>;
  remove(files: readonly string[]): Promise<number>;
}

export interface PrivacyOptions {
  config: Pick<Config, 'staffAccounts'>;
  host: GitHost;
  database: Database;
  mailFolder: MailFolderAccess;
  /**
   * Every call is the site operator's (`npm run customer`, run by whoever holds DATA_DIR and the config): no staff
   * account to check. The staff pages' service leaves it unset, so only admins act there. @default false
   */
  operator?: boolean;
  /** Forgets what the server's other caches hold of a ticket (the workflow, live views). */
  onRemoved?: (ticketNumber: number) => void;
  now?: () => number;
}

/** The export's format name and version (README, "A customer's data"). */
export const CUSTOMER_EXPORT_FORMAT = 'helpdesk-customer-export';
export const CUSTOMER_EXPORT_VERSION = 1;

export interface ExportedMessage {
  id: number;
  author: string;
  /** `customer`, `staff-public`, `staff-internal`, `help-desk` (the bot's own notes and card) or `git-host` (written on the Git host). */
  from: 'customer' | 'staff-public' | 'staff-internal' | 'help-desk' | 'git-host';
  body: string;
  createdAt: string;
  updatedAt: string;
  attachments: string[];
  rating?: 'helpful' | 'not-helpful';
}

export interface ExportedTicket {
  number: number;
  ref: string | null;
  title: string;
  state: 'open' | 'closed';
  labels: string[];
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** The opening message. */
  body: string;
  attachments: string[];
  messages: ExportedMessage[];
}

/** The archive `npm run customer -- export` writes (README documents every field). */
export interface CustomerArchive {
  format: typeof CUSTOMER_EXPORT_FORMAT;
  version: typeof CUSTOMER_EXPORT_VERSION;
  exportedAt: string;
  customer: { email: string; id: string; names: string[] };
  tickets: ExportedTicket[];
  attachments: Array<{ path: string; size: number; contentBase64: string }>;
  ratings: Array<{ ticket: number; messageId: number; rating: 'helpful' | 'not-helpful' }>;
  mail: Array<{ source: 'mail-folder'; file: string; raw: string } | { source: 'mail-queue'; key: string; status: string; message: unknown }>;
  store: StoreRecords;
}

/** What an erase changed, counts and numbers only (printed, and the audit log's detail). */
export interface ErasureReport {
  tickets: number[];
  issuesRedacted: number;
  messagesRedacted: number;
  messagesNotRedacted: number;
  attachmentsRemoved: number;
  mailFilesRemoved: number;
  storeRows: Record<string, number>;
}

export interface Privacy {
  /** Whether a staff login is an admin (`admin: true` on its staff account). */
  isAdmin(login: string): boolean;
  /** Deletes a ticket (or redacts, closes and locks it where the host refuses), its attachments and its records. Admins only. */
  deleteTicket(ticketNumber: number, actor: string): Promise<{ outcome: 'deleted' | 'redacted'; attachmentsRemoved: number }>;
  /** The ticket removed under a ref, for the customer's old link. */
  removedTicket(ref: string): Promise<{ removedAt: string } | undefined>;
  /** Everything the desk holds on a customer. `expectedId`: the staff page's customer, whom the typed address must be. */
  exportCustomer(email: string, actor: string, expectedId?: string): Promise<CustomerArchive>;
  /** Erases a customer's data everywhere the desk keeps it. `expectedId` as for `exportCustomer`. */
  eraseCustomer(email: string, actor: string, expectedId?: string): Promise<ErasureReport>;
}

/** The address as the desk keeps it (lower-cased), or a 400 saying what is wrong with it. */
function normalizeEmail(input: string): string {
  const parsed = parseEmail(input);
  if (!parsed.ok) throw new DeskError('invalid_input', { message: `${parsed.message} ("${input}")` });
  return parsed.email;
}

function messageFrom(message: TicketMessage): ExportedMessage['from'] {
  if (message.meta?.customer) return 'customer';
  if (message.meta?.postedBy) return message.meta.postedBy.visibility === 'public' ? 'staff-public' : 'staff-internal';
  return message.author.isBot ? 'help-desk' : 'git-host';
}

/** A message as the archive holds it, with its rating if any. */
function exportMessage(ratings: ReadonlyMap<number, 'helpful' | 'not-helpful'>): (m: TicketMessage) => ExportedMessage {
  return (m) => {
    const rating = ratings.get(m.id);
    return {
      id: m.id,
      author: m.author.login,
      from: messageFrom(m),
      body: m.body,
      createdAt: m.createdAt,
      updatedAt: m.updatedAt,
      attachments: m.meta?.attachments ?? [],
      ...(rating ? { rating } : {}),
    };
  };
}

/** Attachment folders and files of a ticket: `tickets/<ref>/…`, `tickets/<number>/…` and those its metadata names. */
async function ticketAttachments(host: GitHost, ticket: Ticket): Promise<Map<string, number>> {
  const folders = [`tickets/${ticket.number}/`, ...(ticket.meta?.ref ? [`tickets/${ticket.meta.ref}/`] : [])];
  const files = new Map<string, number>();
  for (const folder of folders) for (const file of await host.listAttachments(folder)) files.set(file.path, file.size);
  for (const path of [...(ticket.meta?.attachments ?? []), ...ticket.messages.flatMap((m) => m.meta?.attachments ?? [])]) if (!files.has(path)) files.set(path, -1);
  return files;
}

/** Builds the service. */
export function createPrivacy(options: PrivacyOptions): Privacy {
  const { host, database, config } = options;
  const now = options.now ?? Date.now;

  function isAdmin(login: string): boolean {
    return config.staffAccounts.some((a) => a.login.toLowerCase() === login.toLowerCase() && a.admin);
  }
  function assertAdmin(login: string, what: string): void {
    if (!options.operator && !isAdmin(login)) throw new DeskError('forbidden', { message: `Only admins (admin: true on their staff account) may ${what}.` });
  }

  /** The customer's tickets: those whose verified metadata names them, and what the read model has for them. */
  async function customerTickets(customerId: string): Promise<Ticket[]> {
    const listed = await host.listTickets('all');
    const numbers = new Set(listed.filter((t) => t.meta?.customer?.id === customerId).map((t) => t.number));
    const rows = await database.db.selectFrom('ticket_summaries').select('number').where('customer_id', '=', customerId).execute();
    for (const row of rows) numbers.add(Number(row.number));
    const tickets: Ticket[] = [];
    for (const number of [...numbers].sort((a, b) => a - b)) {
      const ticket = await host.getTicket(number, { fresh: true });
      if (ticket) tickets.push(ticket);
    }
    return tickets;
  }

  /** The customer's address and pseudonymous id; refused when it is not the customer the page is about. */
  function customerOf(input: string, expectedId: string | undefined): { email: string; customerId: string } {
    const email = normalizeEmail(input);
    const customerId = host.customerId(email);
    if (expectedId !== undefined && customerId !== expectedId)
      throw new DeskError('invalid_input', { message: `${email} is not this customer's address; type the address their tickets were filed with.` });
    return { email, customerId };
  }

  function keysOf(tickets: readonly Ticket[]): TicketKeys {
    return {
      numbers: tickets.map((t) => t.number),
      refs: tickets.flatMap((t) => (t.meta?.ref ? [t.meta.ref] : [])),
      messageIds: tickets.flatMap((t) => t.messages.map((m) => m.id)),
    };
  }

  function namesOf(tickets: readonly Ticket[]): string[] {
    const names = new Set<string>();
    for (const t of tickets) for (const meta of [t.meta, ...t.messages.map((m) => m.meta)]) if (meta?.customerName?.trim()) names.add(meta.customerName.trim());
    return [...names];
  }

  return {
    isAdmin,

    async deleteTicket(ticketNumber, actor) {
      assertAdmin(actor, 'delete tickets');
      const ticket = await host.getTicket(ticketNumber, { fresh: true });
      if (!ticket) throw new DeskError('not_found', { message: `There is no ticket #${ticketNumber}.` });
      const files = await ticketAttachments(host, ticket);
      const outcome = (await host.deleteTicket(ticketNumber)) === 'deleted' ? 'deleted' : 'redacted';
      let notRedacted = 0;
      if (outcome === 'redacted') {
        await host.redactTicket(ticketNumber, { title: REDACTED_TITLE, text: REDACTED_TEXT, closeAndLock: true });
        // A comment the host will not let the bot edit (another user's, where it may not) stays; the audit log counts it.
        for (const message of ticket.messages) await host.redactMessage(ticketNumber, message.id, REDACTED_TEXT).catch(() => (notRedacted += 1));
      }
      // Always rewritten, files or not: the branch's history loses what earlier removals left in it.
      const removed = await host.removeAttachments([...files.keys()]);
      const ref = ticket.meta?.ref ?? null;
      await markTicketRemoved(database, { number: ticketNumber, ref, removed_at: now(), outcome });
      const rows = await deleteRecords(database, keysOf([ticket]));
      host.forgetTicket(
        ticketNumber,
        ticket.messages.map((m) => m.id),
      );
      options.onRemoved?.(ticketNumber);
      await recordAudit(database, {
        actor,
        action: 'delete-ticket',
        target: `ticket #${ticketNumber}`,
        detail: { outcome, messagesNotRedacted: notRedacted, attachmentsRemoved: removed.length, storeRows: rows },
        at: now(),
      });
      return { outcome, attachmentsRemoved: removed.length };
    },

    async removedTicket(ref) {
      const row = await removedTicket(database, { ref });
      return row && { removedAt: new Date(row.removed_at).toISOString() };
    },

    async exportCustomer(emailInput, actor, expectedId) {
      assertAdmin(actor, "export a customer's data");
      const { email, customerId } = customerOf(emailInput, expectedId);
      const tickets = await customerTickets(customerId);
      const names = namesOf(tickets);
      const botLogin = await host.botLogin();
      const exported: ExportedTicket[] = [];
      const ratings: CustomerArchive['ratings'] = [];
      const attachments: CustomerArchive['attachments'] = [];
      for (const ticket of tickets) {
        const rated = await ratingsOf(ticket.messages, (id) => host.listReactions(id), botLogin);
        for (const [messageId, rating] of rated) ratings.push({ ticket: ticket.number, messageId, rating });
        exported.push({
          number: ticket.number,
          ref: ticket.meta?.ref ?? null,
          title: ticket.title,
          state: ticket.state,
          labels: ticket.labels,
          createdAt: ticket.createdAt,
          updatedAt: ticket.updatedAt,
          closedAt: ticket.closedAt,
          body: ticket.body,
          attachments: ticket.meta?.attachments ?? [],
          messages: ticket.messages.map(exportMessage(rated)),
        });
        for (const path of (await ticketAttachments(host, ticket)).keys()) {
          const bytes = await host.readAttachment(path);
          if (bytes) attachments.push({ path, size: bytes.byteLength, contentBase64: bytes.toString('base64') });
        }
      }
      const store = await findRecords(database, keysOf(tickets), { email, customerId });
      const mailFiles = await options.mailFolder.find([email]);
      const mail: CustomerArchive['mail'] = [
        ...mailFiles.map((m) => ({ source: 'mail-folder' as const, file: m.file.split(/[\\/]/).pop() as string, raw: m.raw })),
        ...(store['mail_queue'] ?? []).map((row) => ({
          source: 'mail-queue' as const,
          key: String(row['key']),
          status: String(row['status']),
          message: JSON.parse(String(row['message'])) as unknown,
        })),
      ];
      await recordAudit(database, {
        actor,
        action: 'export-customer',
        target: 'customer',
        detail: { tickets: tickets.map((t) => t.number), attachments: attachments.length, mail: mail.length },
        at: now(),
      });
      return {
        format: CUSTOMER_EXPORT_FORMAT,
        version: CUSTOMER_EXPORT_VERSION,
        exportedAt: new Date(now()).toISOString(),
        customer: { email, id: customerId, names },
        tickets: exported,
        attachments,
        ratings,
        mail,
        store,
      };
    },

    async eraseCustomer(emailInput, actor, expectedId) {
      assertAdmin(actor, "erase a customer's data");
      const { email, customerId } = customerOf(emailInput, expectedId);
      const tickets = await customerTickets(customerId);
      const report: ErasureReport = {
        tickets: tickets.map((t) => t.number),
        issuesRedacted: 0,
        messagesRedacted: 0,
        messagesNotRedacted: 0,
        attachmentsRemoved: 0,
        mailFilesRemoved: 0,
        storeRows: {},
      };
      const files = new Set<string>();
      for (const ticket of tickets) {
        for (const path of (await ticketAttachments(host, ticket)).keys()) files.add(path);
        await host.redactTicket(ticket.number, { title: REDACTED_TITLE, text: REDACTED_TEXT });
        report.issuesRedacted += 1;
        // Every message of their tickets: staff replies greet them by name and quote them.
        for (const message of ticket.messages) {
          try {
            await host.redactMessage(ticket.number, message.id, REDACTED_TEXT);
            report.messagesRedacted += 1;
          } catch {
            report.messagesNotRedacted += 1;
          }
        }
        host.forgetTicket(
          ticket.number,
          ticket.messages.map((m) => m.id),
        );
        options.onRemoved?.(ticket.number);
      }
      // Always rewritten: the files leave the branch's history (and, on the embedded host, its git history).
      report.attachmentsRemoved = (await host.removeAttachments([...files])).length;
      // Their address, a ticket's ref or staff link; not their name, which may be anyone's ("Anna").
      const needles = [email, ...tickets.flatMap((t) => [...(t.meta?.ref ? [t.meta.ref] : []), `/staff/tickets/${t.number}`])];
      const mailFiles = await options.mailFolder.find(needles);
      report.mailFilesRemoved = await options.mailFolder.remove(mailFiles.map((m) => m.file));
      report.storeRows = await deleteRecords(database, keysOf(tickets), { email, customerId });
      await recordAudit(database, { actor, action: 'erase-customer', target: 'customer', detail: { ...report }, at: now() });
      await compactStore(database, ['outbox', 'attachment_blobs', 'mail_queue', 'ticket_summaries', 'verified_metadata', 'conversation_invites', 'limits', 'verified_addresses']);
      return report;
    },
  };
}
