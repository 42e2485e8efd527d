import type { Config } from '../config/config-schema.ts';
import type { MailTemplates } from '../mail/render-template.ts';
import { renderTemplate } from '../mail/render-template.ts';
import type { Database } from '../store/database.ts';
import { saveSlaClock, slaClock, type SlaClock } from '../store/sla.ts';
import { labelValue, type TicketStatus } from '../tickets/labels.ts';
import type { MessageKind } from '../tickets/message-kinds.ts';
import {
  breachesAt,
  breachKey,
  isPaused,
  localDateOf,
  measurementsOf,
  nextCheckAt,
  nextDue,
  SLA_TARGET_WORDS,
  slaLabelAt,
  slaSettingsOf,
  targetsFor,
  withSlaLabel,
  type SlaMeasurement,
  type SlaTimeline,
} from '../tickets/sla.ts';
import { describeStatusForStaff } from '../tickets/status.ts';
import type { Ticket } from '../tickets/ticket.ts';
import { categoryTitle } from '../tickets/display.ts';
import { nextTier } from './escalation.ts';
import { customerLabel, formatDate, type PlannedMail, type TicketFacts } from './notifications.ts';
import { notifiedSupporters } from './routing.ts';

/** What measuring a ticket needs. */
export interface SlaDeps {
  config: Config;
  database?: Database | undefined;
  /** The server's clock (scripted in tests). */
  now(): number;
}

/** What a sync does about response targets: the labels to write, and what to record and mail once they are written. */
export interface SlaPlan {
  labels: string[];
  /** The row to save (undefined when the site has no targets). */
  clock: SlaClock | undefined;
  /** Running targets past due, each mailed once. */
  breaches: Array<SlaMeasurement & { dueAt: number }>;
}

const PUBLIC_KINDS: Partial<Record<MessageKind, 'customer' | 'staff'>> = { customer: 'customer', 'staff-reply': 'staff' };

/**
 * The ticket's timeline with what this sync sees added: public messages not recorded yet, and the status when it
 * changed. Times are the desk's clock, or the host's timestamp when that is earlier (an event the sweep finds late
 * keeps its real time).
 */
export function recordTimeline(
  previous: SlaTimeline | undefined,
  ticket: Pick<Ticket, 'createdAt' | 'closedAt' | 'messages'>,
  kinds: ReadonlyMap<number, MessageKind>,
  status: TicketStatus,
  now: number,
): SlaTimeline {
  const at = (iso: string) => Math.min(now, Date.parse(iso));
  const timeline: SlaTimeline = previous ? { ...previous, messages: [...previous.messages], statuses: [...previous.statuses] } : { openedAt: at(ticket.createdAt), messages: [], statuses: [] };
  const known = new Set(timeline.messages.map((m) => m.id));
  for (const message of ticket.messages) {
    const kind = PUBLIC_KINDS[kinds.get(message.id) ?? 'outsider'];
    if (kind && !known.has(message.id)) timeline.messages.push({ id: message.id, kind, at: at(message.createdAt) });
  }
  const last = timeline.statuses.at(-1);
  if (!last) timeline.statuses.push({ status, at: timeline.openedAt });
  else if (last.status !== status) timeline.statuses.push({ status, at: status === 'closed' && ticket.closedAt ? Math.max(last.at, at(ticket.closedAt)) : Math.max(last.at, now) });
  return timeline;
}

/**
 * Measures a ticket as this sync leaves it (its final labels, status and assignees): the SLA label it should carry,
 * the row to save and the breaches to mail. Without `responseTargets` in the config, SLA labels are taken off.
 */
export async function planSla(deps: SlaDeps, input: { ticket: Ticket; labels: readonly string[]; status: TicketStatus; kinds: ReadonlyMap<number, MessageKind> }): Promise<SlaPlan> {
  const settings = slaSettingsOf(deps.config);
  if (!settings || !deps.database) return { labels: withSlaLabel(input.labels, undefined), clock: undefined, breaches: [] };
  const now = deps.now();
  const { ticket, status } = input;
  const existing = await slaClock(deps.database, ticket.number);
  const timeline = recordTimeline(existing?.timeline, ticket, input.kinds, status, now);
  const targets = targetsFor(settings, labelValue(input.labels, 'priority') ?? 'normal', labelValue(input.labels, 'category'));
  const measurements = status === 'closed' ? [] : measurementsOf(timeline, targets, settings);
  const due = nextDue(measurements);
  const since = existing?.since ?? now;
  return {
    labels: withSlaLabel(input.labels, slaLabelAt(due?.dueAt, now, settings.warningMinutes)),
    clock: {
      number: ticket.number,
      timeline,
      since,
      dueAt: due?.dueAt,
      dueTarget: due?.target,
      paused: due === undefined && isPaused(measurements),
      nextCheckAt: nextCheckAt(measurements, now, settings.warningMinutes),
    },
    // A target already missed when the desk began measuring the ticket was never anyone's to keep: no mail.
    breaches: breachesAt(measurements, now).filter((m) => m.dueAt >= since),
  };
}

/** How a due time reads in mail: the calendar's local time, or UTC round the clock. */
function dueText(config: Config, dueAt: number): string {
  const calendar = config.responseTargets?.calendar;
  if (!calendar || calendar === '24/7') return formatDate(new Date(dueAt).toISOString());
  const time = new Intl.DateTimeFormat('en-GB', { timeZone: calendar.timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(dueAt));
  return `${localDateOf(calendar.timeZone, dueAt)} ${time} (${calendar.timeZone})`;
}

/**
 * The mails for breaches: one to the assignees (or, in the pool, the supporters the ticket's category notifies) and
 * one to the next tier of the escalation chain, each once per breach (its key), to supporters with an address.
 */
export function planBreachMails(
  facts: TicketFacts,
  breaches: ReadonlyArray<SlaMeasurement & { dueAt: number }>,
  ctx: { config: Config; templates: MailTemplates; staffTicketUrl(ticketNumber: number): string },
): PlannedMail[] {
  const { config } = ctx;
  const emailOf = (login: string) => config.supporters.find((s) => s.login.toLowerCase() === login.toLowerCase())?.email;
  const assigned = facts.assignees.flatMap((login) => emailOf(login) ?? []);
  const owners = facts.assignees.length > 0 ? assigned : notifiedSupporters(config.supporters, facts.category).flatMap((s) => (s.email ? [s.email] : []));
  const tier = nextTier(facts.assignees, config.escalationChain);
  const tierEmail = tier ? emailOf(tier.login) : undefined;
  return breaches.flatMap((breach) => {
    const key = breachKey(facts.number, breach);
    const values = {
      siteName: config.siteName,
      ref: facts.ref,
      subject: facts.subject,
      opened: formatDate(facts.openedAt),
      status: describeStatusForStaff(facts.status).text,
      priority: facts.priority,
      category: facts.category === undefined ? undefined : categoryTitle(config, facts.category),
      order: facts.order,
      link: ctx.staffTicketUrl(facts.number),
      hostLink: config.gitHost.baseUrl === undefined ? undefined : facts.htmlUrl,
      customer: customerLabel(facts),
      assignee: facts.assignees.join(', ') || undefined,
      target: SLA_TARGET_WORDS[breach.target],
      due: dueText(config, breach.dueAt),
    };
    const mails: PlannedMail[] = [];
    if (owners.length > 0) mails.push({ key, template: 'sla-breach', message: { to: owners, ...renderTemplate(ctx.templates['sla-breach'], values) } });
    if (tierEmail && !owners.includes(tierEmail))
      mails.push({ key: `${key}:tier`, template: 'sla-breach', message: { to: [tierEmail], ...renderTemplate(ctx.templates['sla-breach'], { ...values, nextTier: tier?.login }) } });
    return mails;
  });
}

/** Saves what the plan measured (after the labels are written, so a failed write is measured again). */
export async function saveSlaPlan(deps: SlaDeps, plan: SlaPlan): Promise<void> {
  if (plan.clock && deps.database) await saveSlaClock(deps.database, plan.clock);
}
