import type { GitHost } from '../git-host/index.ts';
import type { Database } from '../store/database.ts';
import { openConversations, type ConversationRow } from '../store/ticket-summaries.ts';
import { DeskError } from '../tickets/errors.ts';
import { CHAT_LABEL, isChat } from '../tickets/labels.ts';

export interface Conversations {
  /** Open chat conversations, latest activity first, from the read model (no Git host call). */
  list(limit?: number): Promise<ConversationRow[]>;
  /** Makes a conversation a plain ticket: the chat label goes, the thread and everything else stay. */
  toTicket(number: number): Promise<void>;
}

export function createConversations(options: { host: Pick<GitHost, 'getTicket' | 'updateTicket'>; database: Database; onChanged?: (number: number) => void }): Conversations {
  const { host, database } = options;
  return {
    list: (limit) => openConversations(database, limit),
    async toTicket(number) {
      const ticket = Number.isSafeInteger(number) && number > 0 ? await host.getTicket(number, { fresh: true }) : undefined;
      if (!ticket) throw new DeskError('not_found');
      if (!isChat(ticket.labels)) return;
      await host.updateTicket(number, { labels: ticket.labels.filter((label) => label !== CHAT_LABEL) });
      options.onChanged?.(number);
    },
  };
}
