import { classifyMessage, type ClassifiableMessage, type MessageKind, type ThreadRules } from '../tickets/thread.ts';
import { parseEscalateCommand } from './escalation.ts';

/** A message as first seen: its facts and when it was written and last edited. */
export interface SeenMessage extends ClassifiableMessage {
  id: number;
  createdAt: string;
  updatedAt: string;
}

/**
 * The kind of a message the first time the server sees it. This kind is remembered for good (PRODUCT.md:
 * internal notes never reach a customer "whatever their later edits"), so it errs towards internal:
 * - an `/escalate` command is an internal note, even when replies are public by default;
 * - a staff comment that was already edited when first seen (a missed webhook, found by the sweep) could
 *   have been a note edited into a reply, so it counts as an internal note. Staff see the ticket stay
 *   yellow and answer again, which is the product's rule for a forgotten marker.
 */
export function firstSightKind(message: SeenMessage, rules: ThreadRules): MessageKind {
  const kind = classifyMessage(message, rules);
  if (kind !== 'staff-reply') return kind;
  if (parseEscalateCommand(message.body)) return 'internal-note';
  if (Date.parse(message.updatedAt) > Date.parse(message.createdAt)) return 'internal-note';
  return kind;
}

/** Remembers the kind of every message by id, first sight wins. */
export interface MessageKindRegistry {
  get(id: number): MessageKind | undefined;
  /** Records a kind unless one is recorded already; returns the kind in force. */
  remember(id: number, kind: MessageKind): MessageKind;
}

/** The kind in force for a message: the remembered one, else the first-sight kind (not recorded). */
export function kindOf(message: SeenMessage, registry: Pick<MessageKindRegistry, 'get'>, rules: ThreadRules): MessageKind {
  return registry.get(message.id) ?? firstSightKind(message, rules);
}
