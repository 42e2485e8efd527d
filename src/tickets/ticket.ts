import type { TicketMetadata } from './metadata.ts';

/*
 * The ticket model's types: what every feature reads and writes. The Git host adapter maps its own shapes
 * (GitHub issues and comments) to these; nothing above it sees a GitHub field name.
 */

/** How the author relates to the repository; staff are OWNER, MEMBER or COLLABORATOR (PRODUCT.md, messages). */
export type AuthorAssociation = 'OWNER' | 'MEMBER' | 'COLLABORATOR' | 'CONTRIBUTOR' | 'FIRST_TIMER' | 'FIRST_TIME_CONTRIBUTOR' | 'MANNEQUIN' | 'NONE';

export interface MessageAuthor {
  login: string;
  association: AuthorAssociation;
  /** Written by the server's bot identity: a customer message whose metadata can be trusted. */
  isBot: boolean;
}

/** Metadata as callers see it: a sealed email is opened again when the key allows. */
export type TicketMeta = TicketMetadata;

/** A ticket without its thread. */
export interface TicketSummary {
  number: number;
  title: string;
  state: 'open' | 'closed';
  labels: string[];
  assignees: string[];
  author: MessageAuthor;
  commentCount: number;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** Metadata of the opening message; only present when the bot wrote it. */
  meta: TicketMeta | undefined;
  /** The opening message without its metadata block. */
  body: string;
  /** Where staff open the ticket in the Git host's web UI. */
  htmlUrl: string;
  /**
   * Staff locked the conversation on the Git host: only collaborators may comment there, so the desk takes no more
   * customer replies. Absent where a summary did not come from the host (read-model rows): not known to be locked.
   */
  locked?: boolean;
}

/** One message of a ticket's thread after the opening one. */
export interface TicketMessage {
  id: number;
  author: MessageAuthor;
  /** Text without the metadata block. */
  body: string;
  meta: TicketMeta | undefined;
  createdAt: string;
  updatedAt: string;
  /** Reaction counts by content (`+1`, `-1`, …); ratings. */
  reactions: Record<string, number>;
}

/** A ticket with its whole thread. */
export interface Ticket extends TicketSummary {
  messages: TicketMessage[];
}
