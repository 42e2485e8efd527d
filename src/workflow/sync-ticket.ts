import { GitHostError, type GitHost } from '../git-host/index.ts';
import type { Ticket } from '../tickets/ticket.ts';
import type { TicketEvent } from '../git-host/webhooks.ts';
import type { MailQueue } from '../mail/mail-queue.ts';
import type { MailTemplates } from '../mail/render-template.ts';
import type { Config } from '../config/config-schema.ts';
import { isChat, labelName, labelValue, type TicketStatus } from '../tickets/labels.ts';
import { repairLabels, sameLabels } from '../tickets/label-repair.ts';
import { effectiveAuthor, kindsOf, staffViaSite, type KindContext, type SeenMessage } from '../tickets/message-kinds.ts';
import { ratingsOf, type Rating } from '../tickets/ratings.ts';
import type { Database } from '../store/database.ts';
import { customerTickets, removeTicketSummary, upsertTicketSummary } from '../store/ticket-summaries.ts';
import { isWatched } from '../store/chat.ts';
import { addressVerifiedAt } from '../store/verified-addresses.ts';
import { hasUnverifiedNote, isTicketUnverified, withoutUnverifiedNote } from '../tickets/customer-verification.ts';
import { statusLabelOf, withStatus } from '../tickets/status.ts';
import { publicText, stripCustomerHeader } from '../tickets/thread.ts';
import { statusAfter } from '../tickets/transitions.ts';
import { renderCard, ticketFigures, type CardTicket, type TicketCard } from './card.ts';
import { escalationNote, nextTier, parseEscalateCommand } from './escalation.ts';
import { describeMergeRefusal, mergedInto, mergeRefusal, parseMergeCommand } from '../tickets/merge.ts';
import { factsOf, planNotice, type Notice } from './notifications.ts';
import { routingPool } from './routing.ts';
import { planBreachMails, planSla, saveSlaPlan } from './sla.ts';
import { removeSlaClock } from '../store/sla.ts';
import type { WorkflowStore } from './store.ts';

/** What syncing a ticket needs. */
export interface SyncDeps {
  config: Config;
  host: GitHost;
  store: WorkflowStore;
  mail: MailQueue;
  templates: MailTemplates;
  signInUrl(email: string, ref: string): string;
  staffTicketUrl(ticketNumber: number): string;
  log: Pick<Console, 'warn' | 'info'>;
  /** The store holding the read model: each sync writes the ticket's summary there, and the card reads the customer's other tickets from it. */
  database?: Database | undefined;
  /** The server's clock, which response targets are measured by (scripted in tests). @default Date.now */
  now?: (() => number) | undefined;
}

/** How the workflow decides kinds: the one registry and the Git host's word on who has write access. */
export function kindContext(deps: Pick<SyncDeps, 'config' | 'host' | 'store'>): KindContext {
  return { registry: deps.store, rules: deps.config, hasWriteAccess: (login) => deps.host.hasWriteAccess(login) };
}

/** What a sync did, for logs and tests. */
export interface SyncResult {
  ticketNumber: number;
  /** `removed`: the host no longer has the issue (deleted, or transferred to another repository). */
  skipped?: 'not-a-ticket' | 'removed';
  labels?: string[];
  assignees?: string[];
  mails: string[];
  escalatedTo?: string | undefined;
  card?: 'posted' | 'edited' | 'unchanged' | 'skipped';
  /** The customer's other tickets, when this one is new to the read model: their cards list it, so they are synced again. */
  related?: number[];
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
  if (!ticket) {
    // Deleted or transferred away: the read model forgets it (queue, My tickets, cards), and so does the sweep.
    if (deps.database) await removeSlaClock(deps.database, ticketNumber);
    if (deps.database && (await removeTicketSummary(deps.database, ticketNumber))) deps.log.info(`workflow: ticket #${ticketNumber} is gone from the Git host; forgotten`);
    return { ticketNumber, skipped: 'removed', mails: [] };
  }
  if (!isDeskTicket(ticket)) return { ticketNumber, skipped: 'not-a-ticket', mails: [] };
  const installed = await store.installedAt();
  const isOld = (at: string | null) => at !== null && Date.parse(at) < installed;
  const stored = await store.ticket(ticketNumber);
  const record = stored ?? { number: ticketNumber, routed: false, escalations: 0, handledUpTo: 0 };
  // Records written before `handledUpTo` existed: the messages whose kind was known had been handled.
  const handledBefore = new Set(record.handledUpTo === undefined ? (await store.getAll(ticket.messages.map((m) => m.id))).keys() : []);

  let labels = repairLabels(ticket, config, event?.change === 'labeled' ? event.label : undefined);
  let status = statusLabelOf(labels) as TicketStatus;
  let assignees = [...ticket.assignees];
  const notices: Notice[] = [];
  // A created event carries the body as first written; later edits cannot change the kind.
  const created = event?.change === 'message-created' ? event.message : undefined;
  const firstBodies = new Map<number, SeenMessage>(created ? ticket.messages.filter((m) => m.id === created.id).map((m) => [m.id, { ...m, ...created }]) : []);
  const kinds = await kindsOf(ticket.messages, kindContext(deps), firstBodies);
  // The read model hears of the ticket as read (its kinds and the ratings of its public replies) before anything
  // is acted on, so a new ticket lists at once; written again below if this sync changes labels or assignees.
  const replies = ticket.messages.filter((m) => kinds.get(m.id) === 'staff-reply');
  const ratings = replies.length > 0 ? await ratingsOf(replies, (id) => host.listReactions(id), await host.botLogin()) : new Map<number, Rating>();
  const summarized = deps.database ? await upsertTicketSummary(deps.database, { ticket, kinds, ratings }) : undefined;
  // The workflow acts once per message; views may have fixed a message's kind before the workflow got to it.
  const isNew = (id: number) => (record.handledUpTo === undefined ? !handledBefore.has(id) : id > record.handledUpTo);
  let escalation: { by: string | undefined; reason: string | undefined; key: string } | undefined;
  let merge: { into: number; anyway: boolean; by: string; key: string } | undefined;
  let route: { pool: string; login: string } | undefined;

  for (const message of ticket.messages) {
    if (!isNew(message.id)) continue;
    const seen = firstBodies.get(message.id) ?? message;
    const kind = kinds.get(message.id) ?? 'outsider';
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
      const text = viaSite ? stripCustomerHeader(seen.body) : seen.body;
      const command = parseEscalateCommand(text);
      if (command) escalation = { by: effectiveAuthor(seen), reason: command.reason, key: `escalate:comment:${message.id}` };
      const mergeCommand = parseMergeCommand(text);
      if (mergeCommand) merge = { ...mergeCommand, by: effectiveAuthor(seen), key: `merge:comment:${message.id}` };
    }
  }

  const category = labelValue(labels, 'category');
  if (!record.routed && !isOld(ticket.createdAt)) {
    // In pool mode a new ticket waits unassigned; the present supporters of its category hear of it and one takes it.
    if (config.assignment === 'auto' && ticket.state === 'open' && assignees.length === 0 && status === 'new') {
      const pool = routingPool(config.supporters, category);
      // Taken from the shared rotation atomically (compare-and-set): two server processes never pick the same supporter twice in a row.
      const login = pool && (await store.nextRoute(pool))?.login;
      if (pool && login) {
        assignees = [login];
        status = statusAfter(status, 'auto-assigned');
        route = { pool: pool.key, login };
      }
    }
    // A conversation a supporter started is no news to the team.
    if (!ticket.meta?.startedBy) notices.push({ kind: 'new-ticket', text: publicText({ author: ticket.author, body: ticket.body, meta: ticket.meta }, 'customer') });
  }

  // A merged duplicate closes without a "closed" mail: the customer's conversation goes on in the target.
  const merging = merge && ticket.state === 'open' ? await mergeTicket(deps, ticket, merge) : false;
  if (merging) status = statusAfter(status, 'closed');
  if (ticket.state === 'closed') {
    status = statusAfter(status, 'closed');
    if (!isOld(ticket.closedAt) && ticket.closedAt && mergedInto(ticket) === undefined) notices.push({ kind: 'ticket-closed', closedAt: ticket.closedAt });
  } else if (status === 'new' && assignees.length > 0) status = statusAfter(status, 'assigned');
  else if (event?.change === 'unassigned' && assignees.length === 0) status = statusAfter(status, 'unassigned-all');

  const firstSightOfOldTicket = stored === undefined && isOld(ticket.updatedAt);
  if (!escalation && status === 'escalated' && record.status !== 'escalated' && ticket.state === 'open' && !firstSightOfOldTicket) {
    const byLabel = event?.change === 'labeled' && event.label === labelName('status', 'escalated') && !event.actor.isBot;
    escalation = { by: byLabel ? event.actor.login : undefined, reason: undefined, key: `escalate:${ticketNumber}:${record.escalations + 1}` };
  }
  // A closed ticket stays closed (the transition rules): an /escalate written on it is only a note.
  if (ticket.state === 'closed') escalation = undefined;
  const previousAssignees = [...assignees];
  const tier = escalation ? nextTier(assignees, config.escalationChain) : undefined;
  if (escalation) {
    status = statusAfter(status, 'escalated');
    if (tier) assignees = [tier.login];
  }

  // One write for labels and assignees. A refused assignee (not a collaborator) keeps the labels right.
  labels = withStatus(labels, status);
  // Response targets: the SLA label goes in the same write; what was measured is saved once it is written.
  const slaDeps = { config, database: deps.database, now: deps.now ?? Date.now };
  const sla = await planSla(slaDeps, { ticket, labels, status, kinds });
  labels = sla.labels;
  let assignError: string | undefined;
  const assigneesChanged = !sameLabels(assignees, ticket.assignees);
  if (!sameLabels(labels, ticket.labels) || assigneesChanged || merging) {
    try {
      await host.updateTicket(ticketNumber, { labels, ...(assigneesChanged ? { assignees } : {}), ...(merging ? { state: 'closed' as const, closeReason: 'duplicate' as const } : {}) });
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
    const body = escalationNote({
      by: escalation.by,
      reason: escalation.reason ?? 'no reason given (the label was set in the issue UI)',
      to: tier,
      from: previousAssignees.filter((a) => a !== tier?.login),
      assignError,
    });
    await host.addComment(ticketNumber, { body, key: escalation.key, fields: { role: 'escalation-note' } });
  }

  const facts = factsOf({ ...ticket, labels, assignees }, status, notices.length > 0 && (await isUnverified(deps, ticket)));
  const mails: string[] = [];
  // A visitor with the conversation open in the chat panel reads each answer there at once: no mail per answer.
  const watching = isChat(labels) && deps.database !== undefined && notices.some((n) => n.kind === 'staff-reply') && (await isWatched(deps.database, ticketNumber));
  for (const notice of notices) {
    if (watching && notice.kind === 'staff-reply') continue;
    for (const planned of planNotice(facts, notice, deps)) {
      if (await deps.mail.enqueue(planned.key, planned.message)) mails.push(planned.key);
    }
  }
  for (const planned of planBreachMails(facts, sla.breaches, deps)) {
    if (await deps.mail.enqueue(planned.key, planned.message)) mails.push(planned.key);
  }
  await saveSlaPlan(slaDeps, sla);
  const handledUpTo = Math.max(record.handledUpTo ?? 0, ...ticket.messages.map((m) => m.id));
  await store.saveTicket({ number: ticketNumber, routed: true, status, escalations: record.escalations + (escalation && escalation.key.startsWith(`escalate:${ticketNumber}:`) ? 1 : 0), handledUpTo });

  // The read model again when this sync changed labels or assignees: the ticket as it leaves it.
  if (deps.database && (!sameLabels(labels, ticket.labels) || !sameLabels(assignees, ticket.assignees)))
    await upsertTicketSummary(deps.database, { ticket: { ...ticket, labels, assignees }, kinds, ratings });
  const customer = ticket.meta?.customer?.id;
  const related =
    deps.database && summarized === 'inserted' && customer
      ? (await customerTickets(deps.database, customer, { limit: CARD_OTHER_TICKETS })).map((t) => t.number).filter((n) => n !== ticketNumber)
      : [];

  await dropUnverifiedNote(deps, ticket);
  const card = isOld(ticket.createdAt) && isOld(ticket.updatedAt) ? 'skipped' : await refreshCard(deps, ticket, ratings);
  return { ticketNumber, labels, assignees, mails, escalatedTo: escalation ? (tier?.login ?? '') : undefined, card, ...(related.length > 0 ? { related } : {}) };
}

/** Whether a ticket's address is unverified now: filed so, and not proven since (the store says when it was). */
async function isUnverified(deps: Pick<SyncDeps, 'database'>, ticket: Ticket): Promise<boolean> {
  const since = ticket.meta?.unverifiedSince;
  if (since === undefined) return false;
  const customer = ticket.meta?.customer?.id;
  return isTicketUnverified(since, deps.database && customer ? await addressVerifiedAt(deps.database, customer) : undefined);
}

/** Removes the unverified note from the issue header once the address is verified (the edit's webhook finds it gone). */
async function dropUnverifiedNote(deps: SyncDeps, ticket: Ticket): Promise<void> {
  if (ticket.meta?.unverifiedSince === undefined || !hasUnverifiedNote(ticket.body) || (await isUnverified(deps, ticket))) return;
  if (!(await deps.host.replaceTicketText(ticket.number, withoutUnverifiedNote(ticket.body))))
    deps.log.warn(`workflow: ticket #${ticket.number}: its metadata block does not verify, so its unverified note stays`);
}

async function cardTicket(deps: SyncDeps, ticket: Ticket): Promise<CardTicket> {
  const kinds = await kindsOf(ticket.messages, kindContext(deps));
  return {
    number: ticket.number,
    title: ticket.title,
    htmlUrl: ticket.htmlUrl,
    state: ticket.state,
    createdAt: ticket.createdAt,
    closedAt: ticket.closedAt,
    messages: ticket.messages.map((m) => ({ kind: kinds.get(m.id) ?? 'outsider', createdAt: m.createdAt })),
  };
}

/**
 * The card's figures for a ticket: this ticket's thread, its ratings (`knownRatings` when the caller has them) and
 * the customer's other tickets, from the read model (no Git host call for them). A ticket from an unverified address
 * gets only its own figures, and a verified one's history leaves out the address's unverified tickets: neither is
 * known to be the customer's.
 */
export async function computeTicketCard(deps: SyncDeps, ticket: Ticket, knownRatings?: ReadonlyMap<number, Rating>): Promise<TicketCard> {
  const { host } = deps;
  const thread = await cardTicket(deps, ticket);
  const replies = ticket.messages.filter((_, i) => thread.messages[i]?.kind === 'staff-reply');
  const rated = [...(knownRatings ?? (await ratingsOf(replies, (id) => host.listReactions(id), await host.botLogin()))).values()];
  const ratings = { helpful: rated.filter((r) => r === 'helpful').length, notHelpful: rated.filter((r) => r === 'not-helpful').length };
  const figures = ticketFigures(thread);
  if (await isUnverified(deps, ticket)) return { figures, ratings, otherTickets: [], customer: undefined, unverified: true };
  const email = ticket.meta?.customer?.email;
  if (!email) return { figures, ratings, otherTickets: [], customer: undefined };
  const summaries = (deps.database ? await customerTickets(deps.database, host.customerId(email), { limit: CARD_OTHER_TICKETS }) : []).filter((s) => s.number === ticket.number || !s.unverified);
  let total = 0;
  const otherTickets: TicketCard['otherTickets'] = [];
  for (const summary of summaries) {
    if (summary.number === ticket.number) {
      total += figures.timeWithStaffMs;
      continue;
    }
    // Issues of one repository differ only in their number.
    const htmlUrl = ticket.htmlUrl.replace(/\/\d+$/, `/${summary.number}`);
    total += ticketFigures({ ...summary, htmlUrl, messages: summary.thread }).timeWithStaffMs;
    // A merged duplicate and its target are one case: its time counts, the ticket does not.
    if (summary.mergedInto !== undefined) continue;
    otherTickets.push({ number: summary.number, title: summary.title, htmlUrl, state: summary.state, status: summary.status });
  }
  if (!summaries.some((s) => s.number === ticket.number)) total += figures.timeWithStaffMs;
  return { figures, ratings, otherTickets, customer: { tickets: otherTickets.length + 1, timeWithStaffMs: total } };
}

/** Posts the ticket card, or edits it when its figures changed; one card per ticket. */
async function refreshCard(deps: SyncDeps, ticket: Ticket, ratings: ReadonlyMap<number, Rating>): Promise<'posted' | 'edited' | 'unchanged'> {
  const body = renderCard(await computeTicketCard(deps, ticket, ratings));
  const key = `card:${ticket.number}`;
  const existing = ticket.messages.find((m) => m.author.isBot && (m.meta?.role === 'card' || m.meta?.key === key));
  if (existing && existing.body.replace(/\r\n/g, '\n') === body) return 'unchanged';
  if (existing) {
    await deps.host.editComment(ticket.number, existing.id, { body, key, fields: { role: 'card' } });
    return 'edited';
  }
  const posted = await deps.host.addComment(ticket.number, { body, key, fields: { role: 'card' } });
  await deps.store.rememberAll([[posted.id, 'system']]);
  return 'posted';
}

/**
 * Carries out a `/merge #N` note on `ticket`: a note on each issue naming the other (the duplicate's carries
 * `mergedInto`, which the customer's old link and the statistics follow), after which the caller closes the
 * duplicate as a duplicate. A refused merge leaves a note saying why. True when the merge is made.
 */
async function mergeTicket(deps: SyncDeps, ticket: Ticket, merge: { into: number; anyway: boolean; by: string; key: string }): Promise<boolean> {
  const { host } = deps;
  const target = merge.into === ticket.number ? ticket : await host.getTicket(merge.into, { fresh: true });
  const refusal = mergeRefusal(
    { number: ticket.number, messages: ticket.messages, customerId: ticket.meta?.customer?.id },
    target && { number: target.number, state: target.state, customerId: target.meta?.customer?.id, isDeskTicket: isDeskTicket(target) },
    merge.anyway,
  );
  const noted = (key: string) => ticket.messages.some((m) => m.author.isBot && m.meta?.key === key);
  if (refusal) {
    if (!noted(`${merge.key}:refused`))
      await host.addComment(ticket.number, {
        body: `**Not merged:** ${describeMergeRefusal(refusal, merge.into)}\n\n_Internal note by the help desk._`,
        key: `${merge.key}:refused`,
        fields: { role: 'merge-note' },
      });
    return false;
  }
  const into = target as Ticket;
  await host.addComment(into.number, {
    body: `**Merged:** #${ticket.number} (${ticket.meta?.ref ?? 'no reference'}, "${ticket.title}") was merged into this ticket by ${merge.by}. Its messages stay on #${ticket.number}; the customer sees both conversations as one, and their replies come here.\n\n_Internal note by the help desk._`,
    key: `${merge.key}:target`,
    fields: { role: 'merge-note', mergedFrom: ticket.number },
  });
  if (!noted(`${merge.key}:source`))
    await host.addComment(ticket.number, {
      body: `**Merged into #${into.number}** (${into.meta?.ref ?? 'no reference'}) by ${merge.by}, as a duplicate. The conversation goes on there.\n\n_Internal note by the help desk._`,
      key: `${merge.key}:source`,
      fields: { role: 'merge-note', mergedInto: into.number },
    });
  return true;
}
