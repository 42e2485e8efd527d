import type { GitHost } from '../git-host/index.ts';
import { issueWebUrl as hostIssueWebUrl } from '../git-host/web-origin.ts';
import type { Ticket, TicketMessage } from '../tickets/ticket.ts';
import type { Config, Language } from '../config/config-schema.ts';
import { DeskError } from '../tickets/errors.ts';
import { isTicketRef, newIdempotencyKey } from '../tickets/idempotency.ts';
import { ticketLanguage } from '../tickets/metadata.ts';
import { attachmentPath, sniffType, type CheckedAttachment } from '../tickets/attachments.ts';
import { staffDisplayName } from '../tickets/display.ts';
import { withLabel, TICKET_PRIORITIES, TICKET_STATUSES, type LabelGroup, type TicketStatus } from '../tickets/labels.ts';
import { effectiveAuthor, type MessageKind } from '../tickets/message-kinds.ts';
import { ratingsOf, type Rating } from '../tickets/ratings.ts';
import { transition, type StatusChoice, type StatusTrigger } from '../tickets/transitions.ts';
import { statusOf } from '../tickets/status.ts';
import { sameLabels } from '../tickets/label-repair.ts';
import { customerTextForDisplay } from '../tickets/neutralize.ts';
import { renderMessage } from '../tickets/render-message.ts';
import { HEADER_END, staffText, stripCustomerHeader } from '../tickets/thread.ts';
import type { Database } from '../store/database.ts';
import { queuePage, readModelBuild, statisticsInputs } from '../store/ticket-summaries.ts';
import { addressVerifiedAt } from '../store/verified-addresses.ts';
import { hasUnverifiedNote, isTicketUnverified } from '../tickets/customer-verification.ts';
import { queueGroups, toQueueRow, type QueueFilter, type QueuePage } from './queue.ts';
import { responseTargetShares, statisticsFromSummaries, type Statistics } from './stats.ts';
import { slaClocks, slaStatisticsRows } from '../store/sla.ts';
import { describeDue, measurementsOf, slaSettingsOf, SLA_DUE_SOON_LABEL, slaLabelAt, targetsFor, type SlaTarget } from '../tickets/sla.ts';
import { slaClock } from '../store/sla.ts';

export interface StaffMessageView {
  id: number | undefined;
  kind: MessageKind | 'opening';
  authorName: string;
  html: string;
  createdAt: string;
  edited: boolean;
  /** The customer's rating of a public reply (the bot's reaction on their behalf). */
  rating: Rating | undefined;
  /** Files the customer attached, as links to the staff download route. */
  attachments: StaffAttachmentLink[];
  /** What the help desk's escalation note says (system messages whose verified metadata marks them so); else undefined. */
  escalation: EscalationFacts | undefined;
}

export interface StaffAttachmentLink {
  name: string;
  url: string;
}

/** Where staff download an attachment: `/staff/files/<ref>/<id>/<name>` for `tickets/<ref>/<id>/<name>` in the attachments repository. */
export function staffAttachmentUrl(path: string): string | undefined {
  const [root, ref, id, name, ...rest] = path.split('/');
  if (root !== 'tickets' || !ref || !isTicketRef(ref) || !id || !name || rest.length > 0) return undefined;
  return `/staff/files/${[ref, id, name].map(encodeURIComponent).join('/')}`;
}

function attachmentLinks(paths: readonly string[] | undefined): StaffAttachmentLink[] {
  return (paths ?? []).flatMap((path) => {
    const url = staffAttachmentUrl(path);
    return url ? [{ name: path.split('/').pop() as string, url }] : [];
  });
}

/** What followed an escalation, as its note says. */
export type EscalationOutcome =
  | { kind: 'assigned'; login: string; tier: number }
  /** The ticket was already with the chain's last tier: assignees unchanged. */
  | { kind: 'last-tier' }
  /** The Git host refused the next tier as assignee (not a collaborator, say). */
  | { kind: 'not-assigned'; login: string; tier: number; error: string };

/** One escalation note's facts; a field is undefined where the note's text is not the help desk's wording (edited on the Git host). */
export interface EscalationFacts {
  /** The login who escalated; undefined when the reconciliation sweep found the label without knowing who. */
  by: string | undefined;
  reason: string | undefined;
  outcome: EscalationOutcome | undefined;
}

// The wording of `escalationNote` in workflow/escalation.ts (tests/unit/staff/workspace-windows.test.ts reads its
// output back). The reason may span paragraphs, so the outcome is the paragraph right above the closing line.
const ESCALATION_NOTE =
  /^\*\*Escalated\*\* by ([^\n]+)\.\n\n\*\*Reason:\*\* ([\s\S]*?)\n\n(Assigned to @([^\s()]+) \(tier (\d+)\)[^\n]*|The ticket is already with the last tier[^\n]*|Could not assign @([^\s()]+) \(tier (\d+)\): ([^\n]*))\n\n_Internal note by the help desk[^\n]*_\s*$/;
/** A Git host login (GitHub: letters, digits, hyphens; Enterprise Server also underscores): not the sweep's "someone (…)". */
const LOGIN = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/** Reads the facts back out of the text of an escalation note the help desk wrote. */
export function escalationFactsOf(body: string): EscalationFacts {
  const match = ESCALATION_NOTE.exec(body.replace(/\r\n/g, '\n').trim());
  if (!match) return { by: undefined, reason: undefined, outcome: undefined };
  const [, by = '', reason = '', , assigned, assignedTier, refused, refusedTier, error = ''] = match;
  const outcome: EscalationOutcome =
    assigned !== undefined
      ? { kind: 'assigned', login: assigned, tier: Number(assignedTier) }
      : refused !== undefined
        ? { kind: 'not-assigned', login: refused, tier: Number(refusedTier), error }
        : { kind: 'last-tier' };
  return { by: LOGIN.test(by) ? by : undefined, reason: reason.trim(), outcome };
}

/** An escalation note in the thread: its facts, where it is and when it was written. */
export interface EscalationRecord extends EscalationFacts {
  messageId: number | undefined;
  at: string;
}

/** The thread as the workspace shows it: what the customer shares, and what only staff see. */
export interface TicketWindows {
  /** The opening message, the customer's messages and public replies, in thread order. */
  main: StaffMessageView[];
  /** Internal notes, the bot's card and escalation notes, and comments by people without write access, in thread order. */
  internal: StaffMessageView[];
  /** Set when the ticket is escalated now (its status) or was (the thread holds an escalation note). */
  escalation:
    | {
        /** Every escalation note, oldest first; empty while the help desk has not written one yet. */
        notes: EscalationRecord[];
        /**
         * Who it was escalated to: the tier the latest note assigned; the current assignees when that note left them
         * (the chain's last tier) or says nothing readable; nobody when the tier was refused or no note is written yet.
         */
        to: string[];
      }
    | undefined;
}

const MAIN_KINDS: ReadonlySet<StaffMessageView['kind']> = new Set(['opening', 'customer', 'staff-reply']);

/**
 * Splits a workspace thread into its Main and Internal windows, with the escalation facts the Internal window opens
 * with. On the Git host it stays one issue; only the site shows it so.
 */
export function ticketWindows(messages: readonly StaffMessageView[], ticket: { status: TicketStatus; assignees: readonly string[] }): TicketWindows {
  const main = messages.filter((m) => MAIN_KINDS.has(m.kind));
  const internal = messages.filter((m) => !MAIN_KINDS.has(m.kind));
  const notes = internal.flatMap((m) => (m.kind === 'system' && m.escalation ? [{ ...m.escalation, messageId: m.id, at: m.createdAt }] : []));
  if (notes.length === 0 && ticket.status !== 'escalated') return { main, internal, escalation: undefined };
  const outcome = notes.at(-1)?.outcome;
  const to = outcome?.kind === 'assigned' ? [outcome.login] : notes.length === 0 || outcome?.kind === 'not-assigned' ? [] : [...ticket.assignees];
  return { main, internal, escalation: { notes, to } };
}

export interface StaffTicketView {
  number: number;
  ref: string | undefined;
  title: string;
  state: 'open' | 'closed';
  status: TicketStatus;
  priority: string;
  type: string;
  category: string;
  assignees: string[];
  customer: string;
  /** The name the customer gave on the form, if any. */
  customerName: string | undefined;
  /** The language the customer wrote in (their mails and ticket page are in it). */
  lang: Language;
  /** Filed from an address nobody has proven since (tickets/customer-verification.ts): it may not be the customer's. */
  unverified: boolean;
  order: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** The issue on the Git host's own UI, when it has one. */
  hostUrl: string | undefined;
  messages: StaffMessageView[];
  /** The same messages in the workspace's Main and Internal windows. */
  windows: TicketWindows;
}

export type StaffAction =
  | { kind: 'reply'; text: string; visibility: 'public' | 'internal'; files?: readonly CheckedAttachment[] }
  | { kind: 'take' }
  | { kind: 'assign'; to: string }
  | { kind: 'unassign' }
  | { kind: 'label'; group: Exclude<LabelGroup, 'status'> | 'status'; value: string }
  /** The properties panel: every group it holds in one write; groups left out keep their label. */
  | { kind: 'properties'; values: Partial<Record<LabelGroup, string>> }
  | { kind: 'escalate'; reason: string }
  /** A duplicate merged into another ticket (`into`); `anyway` when staff confirmed it is another customer's. */
  | { kind: 'merge'; into: number; anyway: boolean }
  /** Closing cannot be undone by the customer's side of things (they are mailed): the form asks to confirm. */
  | { kind: 'close'; confirmed: boolean }
  | { kind: 'reopen' };

/** The issue's page on GitHub, GHE.com or GitHub Enterprise Server; the embedded host has no issue UI. */
export function issueWebUrl(gitHost: Pick<Config['gitHost'], 'baseUrl' | 'repository'>, number: number): string | undefined {
  return gitHost.baseUrl ? hostIssueWebUrl(gitHost.baseUrl, gitHost.repository, number) : undefined;
}

/**
 * What the staff pages do, through the Git host layer only, so on GitHub every action shows up in
 * the issue UI as well. Replies and notes written here are posted by the bot with trusted metadata
 * naming the staff member and whether the text is public.
 */
export function createWorkspace(options: {
  config: Config;
  host: GitHost;
  /** The kinds in force for a thread: fixed when the server first saw each message (tickets/message-kinds.ts). */
  kindsOf(messages: readonly TicketMessage[]): Promise<Map<number, MessageKind>>;
  /** The store holding the read model, which the queue and statistics read (never the Git host). */
  database: Database;
  /**
   * Told after this workspace wrote labels or assignees: the workflow leaves the webhooks of the bot's own label and
   * assignee writes alone, so the read model hears of them here (the workflow's `ticketChanged`). Also told of a ticket
   * whose issue still carries the unverified note after its address was verified, so the workflow takes it off.
   */
  onChanged?: (ticketNumber: number) => void;
  /** The server's clock: due times in the queue and the statistics' shares met go by it. @default Date.now */
  now?: () => number;
}) {
  const { config, host } = options;
  const displayName = (login: string) => staffDisplayName(config, login);

  async function replyRatings(messages: readonly TicketMessage[], kinds: ReadonlyMap<number, MessageKind>): Promise<Map<number, Rating>> {
    return ratingsOf(
      messages.filter((m) => kinds.get(m.id) === 'staff-reply'),
      (id) => host.listReactions(id),
      await host.botLogin(),
    );
  }

  async function view(ticket: Ticket): Promise<StaffTicketView> {
    const row = toQueueRow({ ...ticket, ref: ticket.meta?.ref });
    const kinds = await options.kindsOf(ticket.messages);
    const ratings = await replyRatings(ticket.messages, kinds);
    const customer = ticket.meta?.customer;
    const since = ticket.meta?.unverifiedSince;
    const unverified = since !== undefined && isTicketUnverified(since, customer ? await addressVerifiedAt(options.database, customer.id) : undefined);
    // Verified since the last sync: show it so now, and let the workflow take the note off the issue.
    if (!unverified && since !== undefined && hasUnverifiedNote(ticket.body)) options.onChanged?.(ticket.number);
    // The customer's name on every message of theirs, not only the first.
    const customerName = ticket.meta?.customerName?.trim() || customer?.email || `Customer ${customer?.id ?? ''}`.trim();
    const messages: StaffMessageView[] = [
      {
        id: undefined,
        kind: 'opening',
        authorName: customerName,
        // The header above it (facts and the hint for answering on the Git host) is for the issue page; the facts panel shows them here.
        html: renderMessage(customerTextForDisplay(stripCustomerHeader(ticket.body))),
        createdAt: ticket.createdAt,
        edited: false,
        rating: undefined,
        attachments: attachmentLinks(ticket.meta?.attachments),
        escalation: undefined,
      },
      ...ticket.messages.map((m) => {
        const kind = kinds.get(m.id) ?? 'outsider';
        const author = effectiveAuthor(m);
        const text = staffText(m, kind);
        return {
          id: m.id,
          kind,
          authorName: kind === 'customer' ? customerName : kind === 'system' ? 'Help centre' : displayName(author),
          html: renderMessage(text),
          createdAt: m.createdAt,
          edited: m.updatedAt !== m.createdAt,
          rating: ratings.get(m.id),
          // Paths come from the bot's verified metadata only: customers' messages and what staff posted on the site.
          attachments: m.author.isBot ? attachmentLinks(m.meta?.attachments) : [],
          escalation: kind === 'system' && m.meta?.role === 'escalation-note' ? escalationFactsOf(m.body) : undefined,
        };
      }),
    ];
    return {
      number: ticket.number,
      ref: ticket.meta?.ref,
      title: ticket.title,
      state: ticket.state,
      status: row.status,
      priority: row.priority,
      type: row.type,
      category: row.category,
      assignees: ticket.assignees,
      customer: customer?.email ?? customer?.id ?? 'unknown',
      customerName: ticket.meta?.customerName?.trim() || undefined,
      lang: ticketLanguage(ticket.meta),
      unverified,
      order: ticket.meta?.order || undefined,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      hostUrl: issueWebUrl(config.gitHost, ticket.number),
      messages,
      windows: ticketWindows(messages, { status: row.status, assignees: ticket.assignees }),
    };
  }

  async function load(number: number): Promise<Ticket> {
    const ticket = Number.isSafeInteger(number) && number > 0 ? await host.getTicket(number, { fresh: true }) : undefined;
    if (!ticket || ticket.meta === undefined) throw new DeskError('not_found', { message: `There is no ticket #${number}.` });
    return ticket;
  }

  async function post(ticket: Ticket, login: string, text: string, visibility: 'public' | 'internal', files: readonly CheckedAttachment[] = []): Promise<void> {
    // Files first, into the ticket's folder of the attachments repository; the message's metadata lists them, so
    // the customer's page (public replies) and the workspace offer them for download.
    const attachments: string[] = [];
    for (const file of files) {
      const id = newIdempotencyKey();
      const path = attachmentPath(ticket.meta?.ref ?? `#${ticket.number}`, id, file.name);
      await host.uploadAttachment({ path, content: file.bytes, message: `Attachment of a staff ${visibility === 'public' ? 'reply' : 'note'} on ticket #${ticket.number} (${id})` });
      attachments.push(path);
    }
    const header =
      visibility === 'public'
        ? `**Reply by ${displayName(login)}** (@${login}, on the help centre) — sent to the customer`
        : `**Internal note by ${displayName(login)}** (@${login}, on the help centre)`;
    const listed = files.length > 0 ? `\n\n_Attached on the help centre: ${files.map((f) => f.name.replace(/[[\]`*_]/g, '')).join(', ')}_` : '';
    await host.addComment(ticket.number, {
      body: `${header}${HEADER_END}${text}${listed}`,
      key: newIdempotencyKey(),
      ...(attachments.length > 0 ? { attachments } : {}),
      fields: { postedBy: { login, visibility } },
    });
  }

  /** The label values staff may choose per group (closing is its own action). */
  function allowedValues(): Record<LabelGroup, readonly string[]> {
    return {
      status: TICKET_STATUSES.filter((s) => s !== 'closed'),
      priority: TICKET_PRIORITIES,
      type: config.ticketTypes,
      category: config.categories.map((c) => c.id),
    };
  }

  /** Makes `assignees` the ticket's assignees, with the status the transition rules give (pool ⇄ assigned). */
  async function assign(ticket: Ticket, assignees: string[]): Promise<void> {
    if (sameLabels(assignees, ticket.assignees)) return;
    const next = assignees.length > 0 ? transition(ticket, 'assigned') : ticket.state === 'open' ? transition(ticket, 'unassigned-all') : undefined;
    await host.updateTicket(ticket.number, { assignees, ...(next?.changed ? { labels: next.labels } : {}) });
    options.onChanged?.(ticket.number);
  }

  /** Writes what the one transition function says follows a trigger, and nothing when nothing changes. */
  async function move(ticket: Ticket, trigger: StatusTrigger | StatusChoice): Promise<void> {
    const next = transition(ticket, trigger);
    if (next.changed) await host.updateTicket(ticket.number, { labels: next.labels, ...(next.state !== ticket.state ? { state: next.state } : {}) });
    if (next.changed) options.onChanged?.(ticket.number);
  }

  return {
    /** One page of the queue, from the read model (no Git host call); while it is first built, how far that got. */
    async queue(filter: QueueFilter, me: string): Promise<QueuePage> {
      const [page, build] = await Promise.all([queuePage(options.database, filter, me), readModelBuild(options.database)]);
      const settings = slaSettingsOf(config);
      const open = page.rows.filter((r) => r.state === 'open').map((r) => r.number);
      const clocks = settings ? await slaClocks(options.database, open) : new Map();
      const now = (options.now ?? Date.now)();
      // The response target due next, as the queue shows it ("due in 2 h", "overdue 35 min", "paused").
      const rows = page.rows.map((row) => {
        const clock = row.state === 'open' ? clocks.get(row.number) : undefined;
        if (!settings || !clock || (clock.dueAt === undefined && !clock.paused)) return row;
        const label = slaLabelAt(clock.dueAt, now, settings.warningMinutes);
        const text = clock.dueAt === undefined ? 'paused' : describeDue(clock.dueAt, now);
        return { ...row, due: { at: clock.dueAt, target: clock.dueTarget, text, overdue: clock.dueAt !== undefined && clock.dueAt <= now, dueSoon: label === SLA_DUE_SOON_LABEL } };
      });
      return {
        groups: queueGroups(rows, filter.sort),
        total: page.total,
        page: page.page,
        pages: page.pages,
        ...(build?.state === 'building' ? { building: { done: build.done, total: build.total } } : {}),
      };
    },

    /**
     * An attachment of any ticket (staff see every ticket), by its place in the attachments repository below
     * `tickets/`: `<ref>/<id>/<name>`, nothing else (no other folder, no `..`). Undefined when there is no such file.
     */
    async attachment(place: string): Promise<{ bytes: Buffer; type: string; name: string } | undefined> {
      const path = `tickets/${place}`;
      if (staffAttachmentUrl(path) === undefined || place.split('/').some((part) => part === '..' || part === '.' || part === '')) return undefined;
      const bytes = await host.readAttachment(path);
      if (!bytes) return undefined;
      return { bytes, type: (await sniffType(bytes)) ?? 'application/octet-stream', name: path.split('/').pop() as string };
    },

    async ticket(number: number): Promise<StaffTicketView> {
      return await view(await load(number));
    },

    /** Carries out one action as `login`; each is one or two requests to the Git host. */
    async act(number: number, login: string, action: StaffAction): Promise<void> {
      const ticket = await load(number);
      switch (action.kind) {
        case 'reply': {
          const text = action.text.trim();
          if (text === '') throw new DeskError('invalid_input', { message: 'Write something before sending.' });
          // What reaches a customer comes from someone the Git host says has write access, however they signed in.
          if (action.visibility === 'public' && !(await host.hasWriteAccess(login))) {
            throw new DeskError('not_allowed', {
              message: `${login} has no write access to ${config.gitHost.repository}, so cannot reply to customers. Ask the repository owner to add you as a collaborator, or write an internal note.`,
            });
          }
          await post(ticket, login, text, action.visibility, action.files);
          await move(ticket, action.visibility === 'public' ? 'staff-reply' : 'internal-note');
          return;
        }
        case 'take':
          // Taking a ticket makes you its one assignee: whoever had it is relieved of it.
          await assign(ticket, [login]);
          return;
        case 'assign': {
          const to = config.supporters.find((supporter) => supporter.login.toLowerCase() === action.to.trim().toLowerCase());
          if (!to) throw new DeskError('invalid_input', { message: `Choose one of the supporters: ${config.supporters.map((supporter) => supporter.login).join(', ') || 'none are configured'}.` });
          await assign(ticket, [to.login]);
          return;
        }
        case 'unassign':
          await assign(ticket, []);
          return;
        case 'properties': {
          const choices = allowedValues();
          for (const [group, value] of Object.entries(action.values)) {
            if (!choices[group as LabelGroup]?.includes(value)) throw new DeskError('invalid_input', { message: `Choose a ${group} of: ${(choices[group as LabelGroup] ?? []).join(', ')}.` });
          }
          const { status, ...others } = action.values;
          const moved = status !== undefined && status !== statusOf(ticket) ? transition(ticket, { set: status as StatusChoice['set'] }) : undefined;
          let labels = moved?.labels ?? [...ticket.labels];
          for (const [group, value] of Object.entries(others)) labels = withLabel(labels, group as LabelGroup, value);
          if (sameLabels(labels, ticket.labels)) return;
          await host.updateTicket(number, { labels });
          options.onChanged?.(number);
          return;
        }
        case 'label': {
          const allowed = allowedValues();
          if (!allowed[action.group]?.includes(action.value)) throw new DeskError('invalid_input', { message: `Choose one of: ${(allowed[action.group] ?? []).join(', ')}.` });
          if (action.group === 'status') await move(ticket, { set: action.value as StatusChoice['set'] });
          else {
            await host.setLabels(number, withLabel(ticket.labels, action.group, action.value));
            options.onChanged?.(number);
          }
          return;
        }
        case 'escalate':
          if (ticket.state === 'closed') throw new DeskError('not_allowed', { message: 'This ticket is closed. Reopen it before escalating.' });
          // The note carries the /escalate marker so the workflow assigns the next tier, as for a note written on the Git host.
          await post(ticket, login, `/escalate ${action.reason.trim() || '(no reason given)'}`, 'internal');
          await move(ticket, 'escalated');
          return;
        case 'merge':
          if (ticket.state === 'closed') throw new DeskError('not_allowed', { message: 'This ticket is closed. Reopen it before merging.' });
          if (!Number.isSafeInteger(action.into) || action.into <= 0 || action.into === ticket.number)
            throw new DeskError('invalid_input', { message: 'Give the number of the other ticket, e.g. 12.' });
          // The note carries the /merge command, so the workflow merges as for a note written on the Git host.
          await post(ticket, login, `/merge #${action.into}${action.anyway ? ' anyway' : ''}`, 'internal');
          return;
        case 'close':
          if (!action.confirmed) throw new DeskError('invalid_input', { message: 'Tick "Yes, close it" to confirm: the customer is told the ticket is closed.' });
          await move(ticket, 'closed');
          return;
        case 'reopen':
          await move(ticket, 'reopened');
          return;
      }
    },

    /**
     * Every response target of a ticket as measured so far (the staff ticket page): when each is or was due, and
     * whether it was met; empty when the site has no targets or the desk has not measured the ticket yet.
     */
    async responseTargets(ticket: { number: number; state: 'open' | 'closed'; priority: string; category: string }): Promise<Array<{ target: SlaTarget; dueAt: number | undefined; text: string }>> {
      const settings = slaSettingsOf(config);
      const clock = settings && (await slaClock(options.database, ticket.number));
      if (!settings || !clock) return [];
      const now = (options.now ?? Date.now)();
      return measurementsOf(clock.timeline, targetsFor(settings, ticket.priority, ticket.category || undefined), settings).map((m) => ({
        target: m.target,
        dueAt: m.dueAt,
        text: m.met !== undefined ? (m.met ? 'met' : 'missed') : ticket.state === 'closed' ? 'not reached' : m.dueAt === undefined ? 'paused' : describeDue(m.dueAt, now),
      }));
    },

    /** Statistics over a day range, totalled by the read model (no Git host call; every ticket's thread counts). */
    async statistics(range: { from: string; to: string }, now = Date.now()): Promise<Statistics> {
      const stats = statisticsFromSummaries(await statisticsInputs(options.database, range, now), config, range);
      const settings = slaSettingsOf(config);
      if (!settings) return stats;
      const span = { start: Date.parse(`${range.from}T00:00:00Z`), end: Date.parse(`${range.to}T00:00:00Z`) + 86_400_000 };
      // Targets are decided by the desk's clock, the one their due times were computed by.
      return { ...stats, responseTargets: responseTargetShares(await slaStatisticsRows(options.database, span), settings, (options.now ?? Date.now)()) };
    },
  };
}

export type Workspace = ReturnType<typeof createWorkspace>;
