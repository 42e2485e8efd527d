import type { GitHost } from '../git-host/index.ts';
import type { Database } from '../store/database.ts';
import { readModelBuild, saveReadModelBuild, upsertTicketSummaries, type ReadModelBuild, type SummaryInput } from '../store/ticket-summaries.ts';
import type { MessageKind } from '../tickets/message-kinds.ts';
import { ratingsOf, type Rating } from '../tickets/ratings.ts';
import type { TicketMessage, TicketSummary } from '../tickets/ticket.ts';
import { isDeskTicket } from './sync-ticket.ts';

/** The ratings of a thread's public replies: the bot's reactions, asked of the host only where a rating is possible. */
export async function replyRatings(host: Pick<GitHost, 'listReactions' | 'botLogin'>, messages: readonly TicketMessage[], kinds: ReadonlyMap<number, MessageKind>): Promise<Map<number, Rating>> {
  const replies = messages.filter((m) => kinds.get(m.id) === 'staff-reply');
  return replies.length === 0 ? new Map() : ratingsOf(replies, (id) => host.listReactions(id), await host.botLogin());
}

export interface ReadModelBuildOptions {
  database: Database;
  host: Pick<GitHost, 'listTicketPage' | 'listMessages' | 'listReactions' | 'botLogin'>;
  /** The kinds in force for a thread (the workflow's: fixed at first sight, for every view). */
  kindsOf(messages: readonly TicketMessage[]): Promise<Map<number, MessageKind>>;
  log?: Pick<Console, 'info' | 'warn'>;
  /** A progress line every this many tickets. @default 1000 */
  progressEvery?: number;
  /** Threads read at once. @default 8 */
  concurrency?: number;
  /** Tickets per listing page (the host's maximum is 100). @default 100 */
  pageSize?: number;
  /** Wait after the host failed, before trying the page again. @default 30000 */
  retryMs?: number;
}

/** The first build running in the background. */
export interface ReadModelBuilder {
  /** Resolves with where the build stands once it finished or was stopped. */
  readonly finished: Promise<ReadModelBuild | undefined>;
  /** Stops after the page being written (its tickets and the progress are saved together); a later start continues. */
  stop(): Promise<void>;
}

async function inBatches<T, R>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

/**
 * Builds the read model from the Git host, once per installation: the bot's issues page by page, oldest first, each
 * ticket's thread with its kinds and ratings, one transaction per page together with the progress in `meta`. A
 * restart continues at the page it stopped at and never writes a ticket twice; once done, a start reads nothing.
 * Tickets that change meanwhile are kept current by the workflow's sync (webhooks and the sweep), and a row the
 * sync wrote from a newer read is never overwritten by the build.
 */
export async function buildReadModel(options: ReadModelBuildOptions, control: { stopped: boolean } = { stopped: false }): Promise<ReadModelBuild> {
  const { database, host } = options;
  const log = options.log ?? console;
  const every = options.progressEvery ?? 1000;
  const pageSize = options.pageSize ?? 100;
  let progress = await readModelBuild(database);
  if (progress?.state === 'done') return progress;
  if (progress) log.info(`helpdesk: read model: continuing the first build at ${progress.done}/${progress.total ?? '?'} tickets`);
  else {
    progress = { state: 'building', page: 1, after: 0, done: 0, total: undefined, startedAt: new Date().toISOString(), ms: 0 };
    await saveReadModelBuild(database, progress);
    log.info('helpdesk: read model: building it from the Git host (once; pages answer from what is built meanwhile)');
  }
  while (!control.stopped) {
    const began = Date.now();
    const { tickets, lastPage } = await host.listTicketPage(progress.page, pageSize);
    let total: number | undefined = progress.total;
    if (total === undefined) total = lastPage > progress.page ? (lastPage - 1) * pageSize + (await host.listTicketPage(lastPage, pageSize)).tickets.length : tickets.length;
    const fresh = tickets.filter((t) => t.number > (progress as ReadModelBuild).after);
    const concurrency = options.concurrency ?? 8;
    const threads = await inBatches(fresh.filter(isDeskTicket), concurrency, async (summary: TicketSummary) => ({
      ...summary,
      messages: summary.commentCount > 0 ? await host.listMessages(summary.number) : [],
    }));
    // The kinds of the whole page at once: one write of the first-sight kinds per page, not one per ticket.
    const kinds = await options.kindsOf(threads.flatMap((t) => t.messages));
    const inputs = await inBatches(threads, concurrency, async (ticket): Promise<SummaryInput> => ({ ticket, kinds, ratings: await replyRatings(host, ticket.messages, kinds) }));
    const last: boolean = progress.page >= lastPage || tickets.length < pageSize;
    const before = progress.done;
    progress = {
      ...progress,
      state: last ? 'done' : 'building',
      page: last ? progress.page : progress.page + 1,
      after: Math.max(progress.after, ...fresh.map((t) => t.number)),
      done: progress.done + fresh.length,
      total: Math.max(total, progress.done + fresh.length),
      ms: progress.ms + (Date.now() - began),
      ...(last ? { finishedAt: new Date().toISOString() } : {}),
    };
    await upsertTicketSummaries(database, inputs, progress);
    if (last) {
      log.info(`helpdesk: read model: built, ${progress.done} tickets in ${(progress.ms / 1000).toFixed(1)} s`);
      break;
    }
    if (Math.floor(progress.done / every) > Math.floor(before / every)) log.info(`helpdesk: read model: ${progress.done}/${progress.total} tickets`);
  }
  return progress;
}

/** Runs the first build in the background (nothing when it is done); a failure is retried after a pause. */
export function startReadModelBuild(options: ReadModelBuildOptions): ReadModelBuilder {
  const log = options.log ?? console;
  const control = { stopped: false };
  let wake: (() => void) | undefined;
  const finished = (async () => {
    for (;;) {
      try {
        return await buildReadModel(options, control);
      } catch (error) {
        if (control.stopped) return undefined;
        const retryMs = options.retryMs ?? 30_000;
        log.warn(`helpdesk: read model: the build stopped (${(error as Error).message}); trying again in ${Math.round(retryMs / 1000)} s`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, retryMs).unref();
        });
        if (control.stopped) return undefined;
      }
    }
  })();
  return {
    finished,
    async stop() {
      control.stopped = true;
      wake?.();
      await finished;
    },
  };
}
