import type { Config } from '../config/config-schema.ts';
import { labelName, parseLabelName, TICKET_PRIORITIES, TICKET_STATUSES, type LabelGroup, type TicketStatus } from './labels.ts';

/** The facts label repair looks at. */
export interface LabelledTicket {
  labels: readonly string[];
  state: 'open' | 'closed';
  assignees: readonly string[];
}

// When two status labels are on a ticket and neither was just added, the one that asks staff to act wins,
// so a repair never hides work (PRODUCT.md: yellow means "staff must act").
const STATUS_PRECEDENCE: readonly TicketStatus[] = ['escalated', 'reply-received', 'new', 'open', 'on-hold', 'waiting', 'closed'];
// Of two priorities, the higher wins.
const PRIORITY_PRECEDENCE = [...TICKET_PRIORITIES].reverse();

function pick(values: string[], prefer: string | undefined, precedence: readonly string[]): string | undefined {
  if (prefer !== undefined && values.includes(prefer)) return prefer;
  return precedence.find((v) => values.includes(v)) ?? values[0];
}

/**
 * Repairs a ticket's labels to exactly one per group (PRODUCT.md, "Ticket model"):
 * - status: a closed issue is `closed`; duplicates keep the label just added (`prefer`), else the one that
 *   asks staff to act; a missing or unknown status becomes `open` when assigned, else `new`; an open issue
 *   still labelled `closed` was reopened and becomes `open`;
 * - priority: duplicates keep the higher; missing becomes `normal`;
 * - type and category: duplicates keep the label just added, else the first in config order; a missing type
 *   becomes the first configured type. A missing category is left missing: guessing one would route the
 *   ticket to the wrong people.
 * Labels outside the ticket model are kept as they are. The result is a fixed point: repairing it again
 * changes nothing.
 */
export function repairLabels(ticket: LabelledTicket, rules: Pick<Config, 'ticketTypes' | 'categories'>, prefer?: string): string[] {
  const byGroup = new Map<LabelGroup, string[]>();
  const others: string[] = [];
  for (const label of ticket.labels) {
    const parsed = parseLabelName(label);
    if (!parsed) {
      others.push(label);
      continue;
    }
    const list = byGroup.get(parsed.group) ?? [];
    if (!list.includes(parsed.value)) list.push(parsed.value);
    byGroup.set(parsed.group, list);
  }
  const preferred = prefer === undefined ? undefined : parseLabelName(prefer);
  const preferFor = (group: LabelGroup) => (preferred?.group === group ? preferred.value : undefined);

  const statuses = (byGroup.get('status') ?? []).filter((s) => (TICKET_STATUSES as readonly string[]).includes(s));
  let status: string | undefined;
  if (ticket.state === 'closed') status = 'closed';
  else {
    status = pick(
      statuses.filter((s) => s !== 'closed'),
      preferFor('status'),
      STATUS_PRECEDENCE,
    );
    status ??= statuses.includes('closed') || ticket.assignees.length > 0 ? 'open' : 'new';
  }
  const priority =
    pick(
      (byGroup.get('priority') ?? []).filter((p) => (TICKET_PRIORITIES as readonly string[]).includes(p)),
      preferFor('priority'),
      PRIORITY_PRECEDENCE,
    ) ?? 'normal';
  const type = pick(byGroup.get('type') ?? [], preferFor('type'), rules.ticketTypes) ?? rules.ticketTypes[0];
  const category = pick(
    byGroup.get('category') ?? [],
    preferFor('category'),
    rules.categories.map((c) => c.id),
  );
  return [
    ...others,
    labelName('status', status),
    labelName('priority', priority),
    ...(type === undefined ? [] : [labelName('type', type)]),
    ...(category === undefined ? [] : [labelName('category', category)]),
  ];
}

/** Whether two label lists hold the same labels, in any order. */
export function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  const x = new Set(a);
  const y = new Set(b);
  return x.size === y.size && [...x].every((l) => y.has(l));
}
