import type { GitHost } from '../git-host/index.ts';
import type { Ticket } from '../git-host/mapping.ts';
import type { Config } from '../server/config-schema.ts';
import { ApiError } from '../server/http.ts';
import { newIdempotencyKey } from '../tickets/idempotency.ts';
import { labelValue, withLabel, TICKET_PRIORITIES, TICKET_STATUSES, type LabelGroup, type TicketStatus } from '../tickets/labels.ts';
import { customerTextForDisplay } from '../tickets/neutralize.ts';
import { renderMessage } from '../tickets/render-message.ts';
import { classifyMessage, effectiveAuthor, HEADER_END, stripCustomerHeader, type MessageKind } from '../tickets/thread.ts';
import { buildQueue, toQueueRow, type QueueFilter, type QueuePage } from './queue.ts';
import { computeStatistics, type Statistics, type StatsTicket } from './stats.ts';

export interface StaffMessageView {
  id: number | undefined;
  kind: MessageKind | 'opening';
  authorName: string;
  html: string;
  createdAt: string;
  edited: boolean;
  /** 👍/👎 counts on public replies: the customer's rating. */
  rating: { helpful: number; notHelpful: number } | undefined;
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
  order: string | undefined;
  createdAt: string;
  updatedAt: string;
  /** The issue on the Git host's own UI, when it has one. */
  hostUrl: string | undefined;
  messages: StaffMessageView[];
}

export type StaffAction =
  | { kind: 'reply'; text: string; visibility: 'public' | 'internal' }
  | { kind: 'take' }
  | { kind: 'label'; group: Exclude<LabelGroup, 'status'> | 'status'; value: string }
  | { kind: 'escalate'; reason: string }
  | { kind: 'close' }
  | { kind: 'reopen' };

/** The issue's page on GitHub or GitHub Enterprise Server; the embedded host has no issue UI. */
export function issueWebUrl(gitHost: Pick<Config['gitHost'], 'baseUrl' | 'repository'>, number: number): string | undefined {
  if (!gitHost.baseUrl) return undefined;
  const api = new URL(gitHost.baseUrl);
  const web = api.hostname === 'api.github.com' ? 'https://github.com' : `${api.origin}`;
  return `${web}/${gitHost.repository}/issues/${number}`;
}


/**
 * What the staff pages do, through the Git host layer only, so on GitHub every action shows up in
 * the issue UI as well. Replies and notes written here are posted by the bot with trusted metadata
 * naming the staff member and whether the text is public.
 */
export function createWorkspace(options: { config: Config; host: GitHost }) {
  const { config, host } = options;
  const displayName = (login: string) => config.supporters.find((s) => s.login.toLowerCase() === login.toLowerCase())?.displayName ?? login;

  function view(ticket: Ticket): StaffTicketView {
    const row = toQueueRow({ ...ticket, ref: ticket.meta?.ref });
    const customer = ticket.meta?.customer;
    const messages: StaffMessageView[] = [
      { id: undefined, kind: 'opening', authorName: `Customer ${customer?.id ?? ''}`.trim(), html: renderMessage(customerTextForDisplay(ticket.body)), createdAt: ticket.createdAt, edited: false, rating: undefined },
      ...ticket.messages.map((m) => {
        const kind = classifyMessage(m, config);
        const author = effectiveAuthor(m);
        const text = kind === 'customer' ? customerTextForDisplay(m.body) : m.author.isBot && kind !== 'system' ? stripCustomerHeader(m.body) : m.body;
        return {
          id: m.id,
          kind,
          authorName: kind === 'customer' ? 'Customer' : kind === 'system' ? 'Help centre' : displayName(author),
          html: renderMessage(text),
          createdAt: m.createdAt,
          edited: m.updatedAt !== m.createdAt,
          rating: kind === 'staff-reply' ? { helpful: m.reactions['+1'] ?? 0, notHelpful: m.reactions['-1'] ?? 0 } : undefined,
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
      order: typeof ticket.meta?.extra?.['order'] === 'string' && ticket.meta.extra['order'] ? ticket.meta.extra['order'] : undefined,
      createdAt: ticket.createdAt,
      updatedAt: ticket.updatedAt,
      hostUrl: issueWebUrl(config.gitHost, ticket.number),
      messages,
    };
  }

  async function load(number: number): Promise<Ticket> {
    const ticket = Number.isSafeInteger(number) && number > 0 ? await host.getTicket(number, { fresh: true }) : undefined;
    if (!ticket || ticket.meta === undefined) throw new ApiError('not_found', { message: `There is no ticket #${number}.` });
    return ticket;
  }

  async function post(number: number, login: string, text: string, visibility: 'public' | 'internal'): Promise<void> {
    const header = visibility === 'public' ? `**Reply by ${displayName(login)}** (@${login}, on the help centre) — sent to the customer` : `**Internal note by ${displayName(login)}** (@${login}, on the help centre)`;
    await host.addComment(number, { body: `${header}${HEADER_END}${text}`, key: newIdempotencyKey(), extra: { staff: login, visibility } });
  }

  return {
    async queue(filter: QueueFilter, me: string): Promise<QueuePage> {
      const tickets = await host.listTickets(filter.status === 'closed' || filter.status === 'all' ? 'all' : 'open');
      return buildQueue(tickets.map((t) => ({ ...t, ref: t.meta?.ref })), filter, me);
    },

    async ticket(number: number): Promise<StaffTicketView> {
      return view(await load(number));
    },

    /** Carries out one action as `login`; each is one or two requests to the Git host. */
    async act(number: number, login: string, action: StaffAction): Promise<void> {
      const ticket = await load(number);
      switch (action.kind) {
        case 'reply': {
          const text = action.text.trim();
          if (text === '') throw new ApiError('invalid_input', { message: 'Write something before sending.' });
          await post(number, login, text, action.visibility);
          if (action.visibility === 'public' && ticket.state === 'open') await host.setLabels(number, withLabel(ticket.labels, 'status', 'waiting'));
          return;
        }
        case 'take': {
          const assignees = ticket.assignees.some((a) => a.toLowerCase() === login.toLowerCase()) ? ticket.assignees : [...ticket.assignees, login];
          const status = labelValue(ticket.labels, 'status');
          await host.updateTicket(number, { assignees, ...(status === 'new' || status === undefined ? { labels: withLabel(ticket.labels, 'status', 'open') } : {}) });
          return;
        }
        case 'label': {
          const allowed: Record<string, readonly string[]> = {
            status: TICKET_STATUSES.filter((s) => s !== 'closed'),
            priority: TICKET_PRIORITIES,
            type: config.ticketTypes,
            category: config.categories.map((c) => c.id),
          };
          if (!allowed[action.group]?.includes(action.value)) throw new ApiError('invalid_input', { message: `Choose one of: ${(allowed[action.group] ?? []).join(', ')}.` });
          await host.setLabels(number, withLabel(ticket.labels, action.group, action.value));
          return;
        }
        case 'escalate':
          // The note carries the /escalate marker so the workflow assigns the next tier, as for a note written on the Git host.
          await post(number, login, `/escalate ${action.reason.trim() || '(no reason given)'}`, 'internal');
          await host.setLabels(number, withLabel(ticket.labels, 'status', 'escalated'));
          return;
        case 'close':
          await host.updateTicket(number, { state: 'closed', labels: withLabel(ticket.labels, 'status', 'closed') });
          return;
        case 'reopen':
          await host.updateTicket(number, { state: 'open', labels: withLabel(ticket.labels, 'status', 'open') });
          return;
      }
    },

    /** Statistics over a day range; threads are read for tickets opened in the range or still open. */
    async statistics(range: { from: string; to: string }, now = Date.now()): Promise<Statistics> {
      const summaries = await host.listTickets('all');
      const needThread = summaries.filter((t) => t.state === 'open' || t.createdAt.slice(0, 10) >= range.from);
      const threads = new Map((await Promise.all(needThread.map((t) => host.getTicket(t.number)))).filter((t): t is Ticket => t !== undefined).map((t) => [t.number, t]));
      const tickets: StatsTicket[] = summaries.map((s) => ({
        number: s.number,
        state: s.state,
        labels: s.labels,
        assignees: s.assignees,
        createdAt: s.createdAt,
        closedAt: s.closedAt,
        customer: s.meta?.customer?.id,
        messages: threads.get(s.number)?.messages ?? [],
      }));
      return computeStatistics(tickets, config, range, now);
    },
  };
}

export type Workspace = ReturnType<typeof createWorkspace>;
