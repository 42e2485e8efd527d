/** The durable outbox between the ticket features and the Git host, on the state store. */
export {
  Outbox,
  OutboxError,
  openOutbox,
  opFields,
  type OutboxOptions,
  type EntryState,
  type EntryStatus,
  type TicketView,
  type PendingMessage,
  type NewTicketInput,
  type NewMessageInput,
  type TicketId,
  type OutboxPause,
} from './outbox.ts';
export type { OutboxEntry, OutboxOp } from './entry.ts';
