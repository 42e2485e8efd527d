import type { Language } from '../config/config-schema.ts';
import type { GitHost } from '../git-host/index.ts';
import { recordInvite } from '../store/chat.ts';
import type { Database } from '../store/database.ts';
import { customerList, customerTickets, openConversations, type ConversationRow, type CustomerSummary, type CustomerTicketRow } from '../store/ticket-summaries.ts';
import { addressVerifiedAt } from '../store/verified-addresses.ts';
import { DeskError } from '../tickets/errors.ts';
import { CHAT_LABEL, isChat } from '../tickets/labels.ts';

/** A customer's page in the staff pages: who they are as far as the desk knows, and their tickets and conversations. */
export interface CustomerProfile extends CustomerSummary {
  tickets: number;
  list: CustomerTicketRow[];
  verifiedAt: string | undefined;
}

export interface Conversations {
  /** Open chat conversations, latest activity first, from the read model (no Git host call). */
  list(limit?: number): Promise<ConversationRow[]>;
  /** Makes a conversation a plain ticket: the chat label goes, the thread and everything else stay. */
  toTicket(number: number): Promise<void>;
  customers(search?: string): Promise<CustomerSummary[]>;
  customer(id: string): Promise<CustomerProfile | undefined>;
  /**
   * Starts a conversation with a customer: staff-started, assigned to the supporter, opening with their message.
   * A customer with the chat panel open sees a popup; otherwise the answer's mail brings them a sign-in link.
   */
  start(input: { customerId: string; login: string; staffName: string; text: string; lang: Language }): Promise<{ ref: string }>;
}

export interface ConversationOptions {
  host: Pick<GitHost, 'getTicket' | 'updateTicket' | 'hasWriteAccess'>;
  database: Database;
  onChanged?: (number: number) => void;
  /** The desk's conversation intake (through the outbox, like every ticket). */
  open(input: { email: string; name: string | undefined; lang: Language; staffLogin: string; staffName: string; text: string }): Promise<{ ref: string }>;
  /** The longest first message, as for a reply. */
  messageMax: number;
}

export function createConversations(options: ConversationOptions): Conversations {
  const { host, database } = options;

  async function profile(id: string): Promise<CustomerProfile | undefined> {
    const list = await customerTickets(database, id, { limit: 100 });
    const newest = list[0];
    if (!newest) return undefined;
    const [summary] = await customerList(database, { id });
    const verifiedAt = await addressVerifiedAt(database, id);
    return {
      id,
      email: summary?.email,
      name: summary?.name,
      tickets: list.length,
      open: list.filter((t) => t.state === 'open').length,
      conversations: list.filter((t) => isChat(t.labels)).length,
      lastActivity: newest.updatedAt,
      verified: verifiedAt !== undefined,
      verifiedAt: verifiedAt === undefined ? undefined : new Date(verifiedAt).toISOString(),
      list,
    };
  }

  return {
    list: (limit) => openConversations(database, limit),
    async toTicket(number) {
      const ticket = Number.isSafeInteger(number) && number > 0 ? await host.getTicket(number, { fresh: true }) : undefined;
      if (!ticket) throw new DeskError('not_found');
      if (!isChat(ticket.labels)) return;
      await host.updateTicket(number, { labels: ticket.labels.filter((label) => label !== CHAT_LABEL) });
      options.onChanged?.(number);
    },
    customers: (search) => customerList(database, { search }),
    customer: profile,
    async start({ customerId, login, staffName, text, lang }) {
      const message = text.replace(/\r\n?/g, '\n').trim();
      if (message === '') throw new DeskError('invalid_input', { message: 'Write the first message before starting the conversation.' });
      if (message.length > options.messageMax) throw new DeskError('invalid_input', { message: `The message may be at most ${options.messageMax.toLocaleString('en')} characters long.` });
      const customer = await profile(customerId);
      if (!customer) throw new DeskError('not_found');
      if (!customer.email)
        throw new DeskError('not_allowed', { message: "The desk does not hold this customer's address (a public repository keeps it sealed): answer on one of their tickets instead." });
      // What reaches a customer comes from someone the Git host says has write access, however they signed in.
      if (!(await host.hasWriteAccess(login))) throw new DeskError('not_allowed', { message: 'Only staff with write access to the ticket repository write to customers.' });
      const started = await options.open({ email: customer.email, name: customer.name, lang, staffLogin: login, staffName, text: message });
      await recordInvite(database, customerId, { ref: started.ref, staffName, text: message, at: Date.now() });
      return started;
    },
  };
}
