import type { Config } from '../config/config-schema.ts';

/** A label the ticket model uses, as the setup command writes it to the Git host. */
export interface TicketLabel {
  name: string;
  /** Six hex digits without `#`, as the Git host stores label colours. */
  color: string;
  description: string;
}

/** The label groups of PRODUCT.md; an open ticket carries exactly one label of each. */
export const LABEL_GROUPS = ['status', 'priority', 'type', 'category'] as const;
export type LabelGroup = (typeof LABEL_GROUPS)[number];

export const TICKET_STATUSES = ['new', 'open', 'reply-received', 'waiting', 'on-hold', 'escalated', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

// Colours say what needs action at a glance (PRODUCT.md, "Ticket model").
const YELLOW = 'fbca04';
const BLUE = '1d76db';
const LIGHT_GREY = 'd9d9d9';
const DARK_GREY = '57606a';
const ORANGE = 'f28c28';
const RED = 'b60205';

const STATUS_LABELS: Record<TicketStatus, Omit<TicketLabel, 'name'>> = {
  new: { color: YELLOW, description: 'Unassigned, in the pool: staff must act' },
  open: { color: BLUE, description: 'Assigned and being worked on' },
  'reply-received': { color: YELLOW, description: 'Customer wrote last: staff must act' },
  waiting: { color: LIGHT_GREY, description: 'Staff replied publicly; waiting on the customer' },
  'on-hold': { color: ORANGE, description: 'Not sure or unresolved; parked for later attention' },
  escalated: { color: RED, description: 'Escalated to the next tier' },
  closed: { color: DARK_GREY, description: 'Closed; the issue is closed too' },
};

const PRIORITY_LABELS: Record<TicketPriority, Omit<TicketLabel, 'name'>> = {
  low: { color: 'c5def5', description: 'Low priority' },
  normal: { color: '8fb8e8', description: 'Normal priority (the default)' },
  high: { color: 'f9a03f', description: 'High priority' },
  urgent: { color: 'd93f0b', description: 'Urgent: answer first' },
};

/**
 * Marks a conversation started in the chat widget (or by staff): a ticket like any other, shown as a chat on the
 * site. Outside the label groups: removing it turns the conversation into a plain ticket, keeping its thread.
 */
export const CHAT_LABEL = 'channel: chat';

/** Response targets (tickets/sla.ts): outside the label groups, at most one at a time, set and cleared by the workflow. */
export const SLA_DUE_SOON_LABEL = 'sla: due-soon';
export const SLA_OVERDUE_LABEL = 'sla: overdue';

/** Whether a ticket's labels make it a chat conversation. */
export function isChat(labels: readonly string[]): boolean {
  return labels.includes(CHAT_LABEL);
}

/** The label name for a group and value, e.g. `labelName('status', 'new')` → `status: new`. */
export function labelName(group: LabelGroup, value: string): string {
  return `${group}: ${value}`;
}

/** Splits `status: new` into its group and value; undefined for labels outside the ticket model. */
export function parseLabelName(name: string): { group: LabelGroup; value: string } | undefined {
  const match = /^(status|priority|type|category): (.+)$/.exec(name);
  if (!match) return undefined;
  return { group: match[1] as LabelGroup, value: match[2] as string };
}

/** GitHub refuses label descriptions over 100 characters (422); a description only explains, so a long one is cut. */
const LABEL_DESCRIPTION_MAX = 100;

function clipDescription(text: string): string {
  return text.length <= LABEL_DESCRIPTION_MAX ? text : `${text.slice(0, LABEL_DESCRIPTION_MAX - 1)}…`;
}

/**
 * Every label of the ticket model for this configuration, with colours and descriptions. Names fit GitHub's
 * 50 characters because the config schema refuses longer ticket types and category ids.
 */
export function ticketLabels(config: Pick<Config, 'ticketTypes' | 'categories'> & Partial<Pick<Config, 'responseTargets'>>): TicketLabel[] {
  return [
    ...TICKET_STATUSES.map((s) => ({ name: labelName('status', s), ...STATUS_LABELS[s] })),
    ...TICKET_PRIORITIES.map((p) => ({ name: labelName('priority', p), ...PRIORITY_LABELS[p] })),
    ...config.ticketTypes.map((t) => ({ name: labelName('type', t), color: 'd4c5f9', description: clipDescription(`Ticket type: ${t}`) })),
    ...config.categories.map((c) => ({
      name: labelName('category', c.id),
      color: 'c2e0c6',
      description: clipDescription(`Category: ${c.title.en ?? c.id}`),
    })),
    { name: CHAT_LABEL, color: '0e8a16', description: 'A chat conversation from the help centre (remove to make it a plain ticket)' },
    // Response targets (tickets/sla.ts): set and cleared by the workflow, so filtering the issue list by them is an overdue view.
    ...(config.responseTargets
      ? [
          { name: SLA_DUE_SOON_LABEL, color: YELLOW, description: 'A response target falls due within the warning window' },
          { name: SLA_OVERDUE_LABEL, color: RED, description: 'A response target is overdue' },
        ]
      : []),
  ];
}

/** The value of a group's label, e.g. `priority` → `normal`; undefined when the group has none. */
export function labelValue(labels: readonly string[], group: LabelGroup): string | undefined {
  return labels.map(parseLabelName).find((l) => l?.group === group)?.value;
}

/** Replaces a group's label (e.g. the status), keeping every other label. */
export function withLabel(labels: readonly string[], group: LabelGroup, value: string): string[] {
  return [...labels.filter((l) => parseLabelName(l)?.group !== group), labelName(group, value)];
}
