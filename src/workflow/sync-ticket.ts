import { GitHostError, type GitHost, type Ticket } from '../git-host/index.ts';
import type { TicketEvent } from '../git-host/webhooks.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { MailTemplates } from '../mail/render-template.ts';
import type { Config } from '../server/config-schema.ts';
import { labelName, type TicketStatus } from '../tickets/labels.ts';
import { effectiveAuthor, isStaff, publicText, staffViaSite, stripCustomerHeader, type MessageKind } from '../tickets/thread.ts';
import { renderCard, ticketFigures, type CardTicket, type TicketCard } from './card.ts';
import { escalationNote, nextTier, parseEscalateCommand } from './escalation.ts';
import { labelValue, repairLabels, sameLabels, statusLabelOf, withStatus } from './labels.ts';
import { firstSightKind, kindOf } from './message-kinds.ts';
import { factsOf, planNotice, type Notice } from './notifications.ts';
import { nextInRotation, routingPool } from './routing.ts';
import type { WorkflowStore } from './store.ts';
import { statusAfter } from './transitions.ts';

/** What syncing a ticket needs. */
export interface SyncDeps {
  config: Config;
  host: GitHost;
  store: WorkflowStore;
  mail: MailQueue;
  templates: MailTemplates;
  signInUrl(email: string, ref: string): string;
  log: Pick<Console, 'warn' | 'info'>;
}

/** What a sync did, for logs and tests. */
export interface SyncResult {
  ticketNumber: number;
  skipped?: 'not-a-ticket';
  labels?: string[];
  assignees?: string[];
  mails: string[];
  escalatedTo?: string | undefined;
  card?: 'posted' | 'edited' | 'unchanged' | 'skipped';
}

/** Most of a customer's other tickets the card reads (newest first). */
const CARD_OTHER_TICKETS = 20;

/** Whether the ticket was opened by the desk: only those are tickets; other issues are left alone. */
export function isDeskTicket(ticket: { author: { isBot: boolean }; meta: { kind: string } | undefined }): boolean {
  return ticket.author.isBot && ticket.meta?.kind === 'ticket';
}

/**
 * Brings one ticket in line with the rules, from its current state on the Git host plus what the workflow
 * remembers. Webhooks and the reconciliation sweep both end here, so a missed webhook is repaired by the next
 * sweep, and running it twice changes nothing twice:
 * 1. labels repaired to one per group (the label an event just added wins a tie);
 * 2. messages not seen before get their kind for good; customer and staff public replies move the status
 *    and queue their mails; an `/escalate` command queues an escalation;
 * 3. a new ticket is routed round-robin and announced to its supporters;
 * 4. the state and assignees move the status (closed, reopened, assigned, unassigned);
 * 5. a fresh `status: escalated` assigns the next tier, with an internal note saying who and why;
 * 6. labels and assignees are written in one request, mails queued (one per event key), and the card refreshed.
 * Events from before the workflow was installed are learnt, not acted on.
 */
export async function syncTicket(deps: SyncDeps, ticketNumber: number, event?: TicketEvent): Promise<SyncResult> {
  const { config, host, store } = deps;
  host.invalidate(ticketNumber);
  const ticket = await host.getTicket(ticketNumber, { fresh: true });
  if (!ticket || !isDeskTicket(ticket)) return { ticketNumber, skipped: 'not-a-ticket', mails: [] };
  const installed = store.installedAt;
  const isOld = (at: string | null) => at !== null && Date.parse(at) < installed;
  const record = store.ticket(ticketNumber) ?? { number: ticketNumber, routed: false, escalations: 0 };

  let labels = repairLabels(ticket, config, event?.change === 'labeled' ? event.label : undefined);
  let status = statusLabelOf(labels) as TicketStatus;
  let assignees = [...ticket.assignees];
  const notices: Notice[] = [];
  const kinds: Array<[number, MessageKind]> = [];
  let escalation: { by: string | undefined; reason: string | undefined; key: string } | undefined;
  let route: { pool: string; login: string } | undefined;

  for (const message of ticket.messages) {
    if (store.get(message.id)) continue;
    // A created event carries the body as first written; later edits cannot change the kind.
    const seen = event?.change === 'message-created' && event.message?.id === message.id ? { ...message, ...event.message } : message;
    const kind = firstSightKind(seen, config);
    kinds.push([message.id, kind]);
    if (isOld(message.createdAt)) continue;
    if (kind === 'customer') {
      status = statusAfter(status, 'customer-reply');
      notices.push({ kind: 'customer-reply', messageId: message.id, text: publicText(seen, kind) });
    } else if (kind === 'staff-reply') {
      status = statusAfter(status, 'staff-reply');
      notices.push({ kind: 'staff-reply', messageId: message.id, staffLogin: effectiveAuthor(seen), text: publicText(seen, kind) });
    } else if (kind === 'internal-note') {
      // Notes written on the staff pages are posted by the bot under a header; the command follows it.
      const viaSite = staffViaSite(seen) !== undefined;
      const command = viaSite || isStaff(seen.author, config) ? parseEscalateCommand(viaSite ? stripCustomerHeader(seen.body) : seen.body) : undefined;
      if (command) escalation = { by: effectiveAuthor(seen), reason: command.reason, key: `escalate:comment:${message.id}` };
    }
  }

  const category = labelValue(labels, 'category');
  if (!record.routed && !isOld(ticket.createdAt)) {
    if (ticket.state === 'open' && assignees.length === 0 && status === 'new') {
      const pool = routingPool(config.supporters, category);
      const login = pool && nextInRotation(pool, store.lastRouted(pool.key));
      if (pool && login) {
        assignees = [login];
        status = statusAfter(status, 'auto-assigned');
        route = { pool: pool.key, login };
      }
    }
    notices.push({ kind: 'new-ticket', text: publicText({ author: ticket.author, body: ticket.body, meta: ticket.meta }, 'customer') });
  }

  if (ticket.state === 'closed') {
    status = statusAfter(status, 'closed');
    if (!isOld(ticket.closedAt) && ticket.closedAt) notices.push({ kind: 'ticket-closed', closedAt: ticket.closedAt });
  } else if (status === 'new' && assignees.length > 0) status = statusAfter(status, 'assigned');
  else if (event?.change === 'unassigned' && assignees.length === 0) status = statusAfter(status, 'unassigned-all');

  const firstSightOfOldTicket = store.ticket(ticketNumber) === undefined && isOld(ticket.updatedAt);
  if (!escalation && status === 'escalated' && record.status !== 'escalated' && ticket.state === 'open' && !firstSightOfOldTicket) {
    const byLabel = event?.change === 'labeled' && event.label === labelName('status', 'escalated') && !event.actor.isBot;
    escalation = { by: byLabel ? event.actor.login : undefined, reason: undefined, key: `escalate:${ticketNumber}:${record.escalations + 1}` };
  }
  const previousAssignees = [...assignees];
  const tier = escalation ? nextTier(assignees, config.escalationChain) : undefined;
  if (escalation) {
    status = 'escalated';
    if (tier) assignees = [tier.login];
  }

  // One write for labels and assignees. A refused assignee (not a collaborator) keeps the labels right.
  labels = withStatus(labels, status);
  let assignError: string | undefined;
  const assigneesChanged = !sameLabels(assignees, ticket.assignees);
  if (!sameLabels(labels, ticket.labels) || assigneesChanged) {
    try {
      await host.updateTicket(ticketNumber, { labels, ...(assigneesChanged ? { assignees } : {}) });
    } catch (error) {
      if (!(error instanceof GitHostError && error.kind === 'refused' && assigneesChanged)) throw error;
      assignError = error.message;
      deps.log.warn(`workflow: ticket #${ticketNumber}: could not assign ${assignees.join(', ')}: ${error.message}`);
      assignees = [...ticket.assignees];
      if (route) {
        status = 'new';
        route = undefined;
        labels = withStatus(labels, status);
      }
      if (!sameLabels(labels, ticket.labels)) await host.updateTicket(ticketNumber, { labels });
    }
  }

  if (escalation && !ticket.messages.some((m) => m.author.isBot && m.meta?.key === escalation.key)) {
    const body = escalationNote({ by: escalation.by, reason: escalation.reason ?? 'no reason given (the label was set in the issue UI)', to: tier, from: previousAssignees.filter((a) => a !== tier?.login), assignError });
    await host.addComment(ticketNumber, { body, key: escalation.key, extra: { note: 'escalation' } });
  }

  const facts = factsOf({ ...ticket, labels, assignees }, status);
  const mails: string[] = [];
  for (const notice of notices) {
    for (const planned of planNotice(facts, notice, deps)) {
      if (deps.mail.enqueue(planned.key, planned.message)) mails.push(planned.key);
    }
  }
  store.rememberAll(kinds);
  store.saveTicket({ number: ticketNumber, routed: true, status, escalations: record.escalations + (escalation && escalation.key.startsWith(`escalate:${ticketNumber}:`) ? 1 : 0) }, route);

  const card = isOld(ticket.createdAt) && isOld(ticket.updatedAt) ? 'skipped' : await refreshCard(deps, ticket);
  return { ticketNumber, labels, assignees, mails, escalatedTo: escalation ? (tier?.login ?? '') : undefined, card };
}

function cardTicket(deps: SyncDeps, ticket: Ticket): CardTicket {
  return {
    number: ticket.number,
    title: ticket.title,
    htmlUrl: ticket.htmlUrl,
    state: ticket.state,
    createdAt: ticket.createdAt,
    closedAt: ticket.closedAt,
    messages: ticket.messages.map((m) => ({ kind: kindOf(m, deps.store, deps.config), createdAt: m.createdAt })),
  };
}

/** The card's figures for a ticket: this ticket's thread, its ratings and the customer's other tickets. */
export async function computeTicketCard(deps: SyncDeps, ticket: Ticket): Promise<TicketCard> {
  const { host } = deps;
  const botLogin = await host.botLogin();
  const ratings = { helpful: 0, notHelpful: 0 };
  for (const message of ticket.messages) {
    if (kindOf(message, deps.store, deps.config) !== 'staff-reply' || (!message.reactions['+1'] && !message.reactions['-1'])) continue;
    // Ratings are the bot's reactions; staff may react too, so count only the bot's.
    for (const r of await host.listReactions(message.id)) {
      if (r.login !== botLogin) continue;
      if (r.content === '+1') ratings.helpful += 1;
      if (r.content === '-1') ratings.notHelpful += 1;
    }
  }
  const figures = ticketFigures(cardTicket(deps, ticket));
  const email = ticket.meta?.customer?.email;
  if (!email) return { figures, ratings, otherTickets: [], customer: undefined };
  const summaries = (await host.listCustomerTickets(email)).slice(0, CARD_OTHER_TICKETS);
  let total = 0;
  const otherTickets: TicketCard['otherTickets'] = [];
  for (const summary of summaries) {
    if (summary.number === ticket.number) {
      total += figures.timeWithStaffMs;
      continue;
    }
    const other = await host.getTicket(summary.number);
    if (other) total += ticketFigures(cardTicket(deps, other)).timeWithStaffMs;
    otherTickets.push({ number: summary.number, title: summary.title, htmlUrl: summary.htmlUrl, state: summary.state, status: summary.state === 'closed' ? 'closed' : (statusLabelOf(summary.labels) ?? 'new') });
  }
  if (!summaries.some((s) => s.number === ticket.number)) total += figures.timeWithStaffMs;
  return { figures, ratings, otherTickets, customer: { tickets: otherTickets.length + 1, timeWithStaffMs: total } };
}

/** Posts the ticket card, or edits it when its figures changed; one card per ticket. */
async function refreshCard(deps: SyncDeps, ticket: Ticket): Promise<'posted' | 'edited' | 'unchanged'> {
  const body = renderCard(await computeTicketCard(deps, ticket));
  const key = `card:${ticket.number}`;
  const existing = ticket.messages.find((m) => m.author.isBot && (m.meta?.extra?.['card'] === true || m.meta?.key === key));
  if (existing && existing.body.replace(/\r\n/g, '\n') === body) return 'unchanged';
  if (existing) {
    await deps.host.editComment(ticket.number, existing.id, { body, key, extra: { card: true } });
    return 'edited';
  }
  const posted = await deps.host.addComment(ticket.number, { body, key, extra: { card: true } });
  deps.store.remember(posted.id, 'system');
  return 'posted';
}
