import type { Database } from '../store/database.ts';
import { leaveTicket, markViewing, ticketViewers, type TicketChange } from '../store/ticket-changes.ts';
import { DeskError } from '../tickets/errors.ts';
import type { TicketChangeFeed } from './ticket-change-feed.ts';
import { openEventStream, streamSlots } from './event-stream.ts';

/** Server-sent event streams open at once in this process, and per staff login (a few tabs each). */
const MAX_STREAMS = 500;
const MAX_STREAMS_PER_LOGIN = 12;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEP_ALIVE_MS = 20_000;
/** A stream ends after this long; the browser reconnects at once, and the sign-in is checked again then. */
const STREAM_LIFETIME_MS = 10 * 60_000;
/** How long a workspace counts as open after its page last said so (it says so every 20 s). */
const VIEWING_MS = 45_000;

/** Someone else with the ticket open, as the workspace shows them. */
export interface ViewerView {
  login: string;
  name: string;
  replying: boolean;
}

export type ViewingState = 'viewing' | 'replying' | 'left';

export interface LiveViews {
  /**
   * The event stream of a staff page: `ticket` events (data `{"number":n}`) for every ticket whose summary changed
   * — only the given ticket's for a workspace — and, for a workspace, `viewers` with who else has it open;
   * `reset` when the page missed too much and should reload what it shows. Event ids are the feed's seqs, so a
   * reconnecting page (Last-Event-ID) hears what it missed, once.
   */
  stream(input: { login: string; ticket?: number | undefined; lastEventId?: string | null | undefined; signal?: AbortSignal | undefined }): Promise<ReadableStream<Uint8Array>>;
  /** Records that `login` has the ticket open, is writing in it, or left it; answers who else has it open. */
  viewing(number: number, login: string, state: ViewingState): Promise<ViewerView[]>;
}

/** A Last-Event-ID as a seq; anything else (absent, forged, too large) resumes nothing. */
function seqOf(lastEventId: string | null | undefined): number | undefined {
  if (!lastEventId || !/^\d{1,15}$/.test(lastEventId)) return undefined;
  return Number(lastEventId);
}

export function createLiveViews(options: { database: Database; feed: TicketChangeFeed; nameOf(login: string): string; now?: () => number }): LiveViews {
  const { database, feed } = options;
  const now = options.now ?? Date.now;
  const slots = streamSlots({ total: MAX_STREAMS, perKey: MAX_STREAMS_PER_LOGIN });

  async function others(number: number, login: string): Promise<ViewerView[]> {
    const viewers = await ticketViewers(database, number, now());
    return viewers.filter((v) => v.login.toLowerCase() !== login.toLowerCase()).map((v) => ({ ...v, name: options.nameOf(v.login) }));
  }

  return {
    async stream({ login, ticket, lastEventId, signal }) {
      const release = slots.take(login.toLowerCase());
      if (!release) throw new DeskError('rate_limited', { message: 'Too many live pages are open; close some tabs, or reload this page in a minute.' });
      let unsubscribe: (() => void) | undefined;
      // Viewer lists are read one at a time, in the order their changes came.
      let sending = Promise.resolve();
      return openEventStream({
        signal,
        retryMs: 3_000,
        comment: 'live staff view',
        keepAliveMs: KEEP_ALIVE_MS,
        lifetimeMs: STREAM_LIFETIME_MS,
        onEnd() {
          unsubscribe?.();
          release();
        },
        async start(writer) {
          const viewers = async () => writer.send({ event: 'viewers', data: { viewers: await others(ticket as number, login) } });
          const deliver = (change: TicketChange) => {
            if (ticket !== undefined && change.number !== ticket) return;
            if (change.kind === 'ticket') writer.send({ id: change.seq, event: 'ticket', data: { number: change.number } });
            else if (ticket !== undefined) sending = sending.then(async () => writer.send({ id: change.seq, event: 'viewers', data: { viewers: await others(ticket, login) } })).catch(() => {});
          };
          unsubscribe = await feed.subscribe((event) => {
            if ('reset' in event) writer.send({ event: 'reset', data: {} });
            else for (const change of event.changes) deliver(change);
          }, seqOf(lastEventId));
          if (writer.closed) unsubscribe();
          else if (ticket !== undefined) await viewers();
        },
      });
    },

    async viewing(number, login, state) {
      if (state === 'left') await leaveTicket(database, number, login, now());
      else await markViewing(database, { number, login, replying: state === 'replying', until: now() + VIEWING_MS, now: now() });
      return others(number, login);
    },
  };
}
