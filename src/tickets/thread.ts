import { staffViaSite, withoutMarker, type ClassifiableMessage, type MessageKind } from './message-kinds.ts';
import { customerTextForDisplay } from './neutralize.ts';

/** Separates the visible staff header the bot writes above customer text (and above staff text posted from the site). */
export const HEADER_END = '\n\n---\n\n';

/** The text below the visible header of a bot-written message. */
export function stripCustomerHeader(body: string): string {
  const end = body.indexOf(HEADER_END);
  return end === -1 ? body : body.slice(end + HEADER_END.length);
}

/**
 * The text a customer sees of a message they may see: markers and headers stripped, neutralising undone.
 * The kind is the one in force (fixed at first sight); the text is the current one, so a supporter's
 * correction of a public reply reaches the customer.
 */
export function publicText(message: ClassifiableMessage, kind: MessageKind): string {
  if (kind === 'customer') return customerTextForDisplay(stripCustomerHeader(message.body));
  if (kind === 'staff-reply' && staffViaSite(message)) return stripCustomerHeader(message.body).trim();
  // Text after the marker on its line is kept: "/reply Thanks for waiting" reads as "Thanks for waiting".
  if (kind === 'staff-reply') return withoutMarker(message.body);
  throw new Error(`a ${kind} message has no public text`);
}

/**
 * The text staff read of any message: customer text as the customer wrote it, site-written staff text without its
 * header, a public reply written on the Git host without its `/reply` marker (the workspace labels it a public reply).
 */
export function staffText(message: ClassifiableMessage, kind: MessageKind): string {
  if (kind === 'customer') return customerTextForDisplay(stripCustomerHeader(message.body));
  if (message.author.isBot && kind !== 'system') return stripCustomerHeader(message.body);
  if (kind === 'staff-reply') return withoutMarker(message.body);
  return message.body;
}
