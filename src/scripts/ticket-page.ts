// Ticket page: new staff replies appear without a reload, like a chat window.
import type { MessageView, TicketView } from '../desk/desk.ts';

const POLL_MS = 5_000;

function messageKey(m: MessageView): string {
  return m.id === undefined ? `queued:${m.createdAt}` : String(m.id);
}

/** The ticket page's words in its language, as the page gives them (`data-*` on its live status line). */
interface PageWords {
  you: string;
  newReplyFrom: string;
}

function renderMessage(m: MessageView, words: PageWords): HTMLLIElement {
  const item = document.createElement('li');
  item.className = `message message-${m.kind}${m.queued ? ' queued' : ''}`;
  if (m.id !== undefined) {
    item.id = `message-${m.id}`;
    item.dataset['messageId'] = String(m.id);
  }
  const header = document.createElement('header');
  const author = document.createElement('strong');
  author.textContent = m.kind === 'customer' ? words.you : m.authorName;
  const time = document.createElement('time');
  time.dateTime = m.createdAt;
  time.textContent = new Date(m.createdAt).toLocaleString();
  header.append(author, ' ', time);
  const body = document.createElement('div');
  body.className = 'message-body';
  // The server renders message HTML through its sanitizer; it never contains raw customer HTML.
  body.innerHTML = m.html;
  item.append(header, body);
  return item;
}

export function enhanceTicketPage(): void {
  const thread = document.querySelector<HTMLOListElement>('[data-thread]');
  const live = document.querySelector<HTMLElement>('[data-live-status]');
  if (!thread || !live) return;
  const words: PageWords = { you: live.dataset['you'] ?? 'You', newReplyFrom: live.dataset['newReplyFrom'] ?? 'New reply from' };
  const ref = location.pathname.split('/').filter(Boolean)[1];
  const seen = new Set([...thread.querySelectorAll<HTMLElement>('[data-message-id]')].map((el) => el.dataset['messageId']));
  let queued = thread.querySelectorAll('.queued').length;

  async function poll(): Promise<void> {
    if (document.hidden) return;
    const response = await fetch(`/api/tickets/${ref}`, { headers: { Accept: 'application/json' }, cache: 'no-store' }).catch(() => undefined);
    if (!response?.ok) return;
    const { ticket } = (await response.json()) as { ticket: TicketView };
    const fresh = ticket.messages.filter((m) => m.id !== undefined && !seen.has(messageKey(m)));
    const stillQueued = ticket.messages.filter((m) => m.queued).length;
    if (fresh.length === 0 && stillQueued === queued) return;
    // Queued messages were delivered: redraw them from the host's copy.
    thread!.querySelectorAll('.queued').forEach((el) => el.remove());
    for (const m of ticket.messages) {
      if (m.queued || !seen.has(messageKey(m))) {
        thread!.append(renderMessage(m, words));
        if (m.id !== undefined) seen.add(messageKey(m));
      }
    }
    queued = stillQueued;
    const staff = fresh.filter((m) => m.kind === 'staff');
    if (staff.length > 0) live!.textContent = `${words.newReplyFrom} ${staff.at(-1)!.authorName}.`;
  }

  setInterval(() => void poll(), POLL_MS);
  document.addEventListener('visibilitychange', () => void poll());
}
