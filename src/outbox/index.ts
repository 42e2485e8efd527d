/** The durable outbox between the ticket features and the Git host. */
export { Outbox, OutboxError, openOutbox, opFields, type OutboxOptions, type EntryState, type EntryStatus, type TicketView, type PendingMessage, type NewTicketInput, type NewMessageInput, type TicketId } from './outbox.ts';
export { type OutboxEntry, type JournalRecord } from './journal.ts';
