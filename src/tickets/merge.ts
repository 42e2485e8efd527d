import type { Ticket, TicketMessage } from './ticket.ts';

/*
 * Merging a duplicate ticket into another of the same customer. The Git host keeps the record: a note on each issue
 * (signed metadata `mergedInto` on the duplicate's, `mergedFrom` on the target's) and the duplicate closed as a
 * duplicate. Everything else — the customer's old link, where their replies land, the statistics — follows from
 * the duplicate's note.
 */

/** A staff note whose first line is `/merge #12` (or `/merge 12`), with `anyway` to merge another customer's ticket. */
const MERGE_COMMAND = /^[ \t]*\/merge[ \t]+#?(\d{1,10})(?:[ \t]+(anyway))?[ \t]*(?:\n|$)/i;

export function parseMergeCommand(body: string): { into: number; anyway: boolean } | undefined {
  const match = MERGE_COMMAND.exec(body);
  if (!match) return undefined;
  return { into: Number(match[1]), anyway: match[2] !== undefined };
}

/** The ticket a duplicate was merged into: the number in its latest merge note; undefined when it was not merged. */
export function mergedInto(ticket: Pick<Ticket, 'messages'>): number | undefined {
  const notes = ticket.messages.filter((m: TicketMessage) => m.author.isBot && m.meta?.mergedInto !== undefined);
  return notes.at(-1)?.meta?.mergedInto;
}

export type MergeRefusal = 'same-ticket' | 'not-a-ticket' | 'target-closed' | 'other-customer' | 'already-merged';

/**
 * Whether `duplicate` may be merged into `target`: two different open tickets of the desk; of the same customer
 * unless `anyway` (staff confirmed that two customers' tickets belong together).
 */
export function mergeRefusal(
  duplicate: Pick<Ticket, 'number' | 'messages'> & { customerId: string | undefined },
  target: (Pick<Ticket, 'number' | 'state'> & { customerId: string | undefined; isDeskTicket: boolean }) | undefined,
  anyway: boolean,
): MergeRefusal | undefined {
  if (mergedInto(duplicate) !== undefined) return 'already-merged';
  if (!target || !target.isDeskTicket) return 'not-a-ticket';
  if (target.number === duplicate.number) return 'same-ticket';
  if (target.state === 'closed') return 'target-closed';
  if (!anyway && (duplicate.customerId === undefined || duplicate.customerId !== target.customerId)) return 'other-customer';
  return undefined;
}

/** What staff read when a merge is refused, with how to go on. */
export function describeMergeRefusal(refusal: MergeRefusal, into: number): string {
  switch (refusal) {
    case 'already-merged':
      return 'This ticket was already merged into another one.';
    case 'not-a-ticket':
      return `#${into} is not a ticket of the help desk.`;
    case 'same-ticket':
      return 'A ticket cannot be merged into itself.';
    case 'target-closed':
      return `#${into} is closed: reopen it first, then merge.`;
    case 'other-customer':
      return `#${into} belongs to another customer. If they belong together all the same, write \`/merge #${into} anyway\`.`;
  }
}
