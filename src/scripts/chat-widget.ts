// The chat widget: opens a conversation (a ticket labelled as chat) and shows its public messages live, each once and
// in order, across page loads and dropped connections (the stream resumes from the last message it delivered).
import type { ChatLiveText } from '../kb/chat-text.ts';

interface ChatMessage {
  id: number;
  kind: 'customer' | 'staff';
  authorName: string;
  html: string;
  createdAt: string;
}

interface ErrorBody {
  error?: { message?: string; fields?: Record<string, string> };
}

const REF_KEY = 'helpdesk.chat.ref';
const INVITES_KEY = 'helpdesk.chat.invites';

/** A conversation a supporter started: its reference and first message only for a session that proves the address. */
interface Invite {
  staffName: string;
  ref?: string;
  text?: string;
}

function remembered(): string | undefined {
  try {
    return localStorage.getItem(REF_KEY) ?? undefined;
  } catch {
    return undefined;
  }
}
function remember(ref: string | undefined): void {
  try {
    if (ref) localStorage.setItem(REF_KEY, ref);
    else localStorage.removeItem(REF_KEY);
  } catch {
    // Private mode without storage: the conversation lasts as long as the page.
  }
}

function reason(body: ErrorBody, fallback: string): string {
  const fields = body.error?.fields ? Object.values(body.error.fields) : [];
  return fields.length > 0 ? fields.join(' ') : (body.error?.message ?? fallback);
}

export function startChatWidget(): void {
  const found = document.querySelector<HTMLElement>('[data-chat]');
  if (!found) return;
  const root: HTMLElement = found;
  const $ = <T extends Element>(selector: string) => root.querySelector<T>(selector) as T;
  const text = JSON.parse(root.dataset['text'] ?? '{}') as ChatLiveText;
  const lang = root.dataset['lang'] === 'de' ? 'de' : 'en';
  const launcher = $<HTMLButtonElement>('[data-chat-launcher]');
  const unread = $<HTMLElement>('[data-chat-unread]');
  const panel = $<HTMLElement>('[data-chat-panel]');
  const presence = $<HTMLElement>('[data-chat-presence]');
  const log = $<HTMLOListElement>('[data-chat-log]');
  const startForm = $<HTMLFormElement>('[data-chat-start]');
  const replyForm = $<HTMLFormElement>('[data-chat-reply]');
  const errorLine = $<HTMLElement>('[data-chat-error]');
  const shown = new Set<number>();
  /** Own messages on their way, oldest first: each is replaced by the host's copy when the stream delivers it. */
  const pending: HTMLLIElement[] = [];
  let ref = remembered();
  let source: EventSource | undefined;
  let unreadCount = 0;
  let statusLoaded = false;

  root.hidden = false;

  const isOpen = () => !panel.hidden;
  function setUnread(count: number): void {
    unreadCount = count;
    unread.hidden = count === 0;
    unread.textContent = count === 0 ? '' : `${count} ${text.unread}`;
  }

  function renderMessage(message: ChatMessage): HTMLLIElement {
    const item = document.createElement('li');
    item.className = `chat-message chat-message-${message.kind}`;
    item.dataset['messageId'] = String(message.id);
    const who = document.createElement('strong');
    who.textContent = message.kind === 'customer' ? text.you : message.authorName;
    const body = document.createElement('div');
    body.className = 'chat-body';
    // The server renders messages through its sanitizer (the ticket page's view): no raw customer HTML.
    body.innerHTML = message.html;
    item.append(who, body);
    return item;
  }

  function pendingMessage(message: string): HTMLLIElement {
    const item = document.createElement('li');
    item.className = 'chat-message chat-message-customer chat-pending';
    const who = document.createElement('strong');
    who.textContent = text.you;
    const body = document.createElement('div');
    body.className = 'chat-body';
    body.textContent = message;
    const state = document.createElement('span');
    state.className = 'chat-state';
    state.textContent = text.sending;
    item.append(who, body, state);
    log.append(item);
    pending.push(item);
    item.scrollIntoView({ block: 'nearest' });
    return item;
  }

  function show(message: ChatMessage): void {
    if (shown.has(message.id)) return;
    shown.add(message.id);
    const item = renderMessage(message);
    const mine = message.kind === 'customer' ? pending.shift() : undefined;
    if (mine) mine.replaceWith(item);
    else log.append(item);
    item.scrollIntoView({ block: 'nearest' });
    if (message.kind === 'staff' && !isOpen()) setUnread(unreadCount + 1);
  }

  function showReplyForm(): void {
    startForm.hidden = true;
    replyForm.hidden = false;
  }

  function showStartForm(): void {
    replyForm.hidden = true;
    startForm.hidden = false;
  }

  function connect(): void {
    if (!ref || source) return;
    const stream = new EventSource(`/api/chat/${encodeURIComponent(ref)}/events`);
    source = stream;
    stream.addEventListener('message', (event) => show(JSON.parse((event as MessageEvent<string>).data) as ChatMessage));
    stream.addEventListener('presence', (event) => {
      presence.textContent = (JSON.parse((event as MessageEvent<string>).data) as { present: boolean }).present ? text.present : text.away;
    });
    stream.addEventListener('status', (event) => {
      const { canReply } = JSON.parse((event as MessageEvent<string>).data) as { canReply: boolean };
      if (canReply) return;
      // Closed or removed: the next message starts a new conversation.
      stream.close();
      source = undefined;
      remember((ref = undefined));
      presence.textContent = text.closed;
      showStartForm();
    });
    stream.addEventListener('invite', (event) => showInvite(JSON.parse((event as MessageEvent<string>).data) as Invite));
    stream.addEventListener('error', () => {
      // EventSource reconnects by itself (sending the last id it saw) unless it gave up: then look at why.
      if (stream.readyState !== EventSource.CLOSED) return;
      source = undefined;
      void recover();
    });
  }

  /** A conversation a supporter started: shown once per browser session, with the panel opened. */
  function showInvite(invite: Invite): void {
    const key = invite.ref ?? invite.staffName;
    let seen: string[] = [];
    try {
      seen = JSON.parse(sessionStorage.getItem(INVITES_KEY) ?? '[]') as string[];
      if (seen.includes(key)) return;
      sessionStorage.setItem(INVITES_KEY, JSON.stringify([...seen, key].slice(-20)));
    } catch {
      // No session storage: shown again on the next page, which is better than never.
    }
    const box = document.createElement('div');
    box.className = 'chat-invite';
    box.setAttribute('role', 'alert');
    const line = document.createElement('p');
    const who = document.createElement('strong');
    who.textContent = invite.staffName;
    line.append(who, ` ${invite.ref ? text.inviteStarted : text.inviteByMail}`);
    box.append(line);
    if (invite.ref && invite.text) {
      const quote = document.createElement('blockquote');
      quote.textContent = invite.text;
      const openIt = document.createElement('button');
      openIt.type = 'button';
      openIt.className = 'button';
      openIt.textContent = text.inviteOpen;
      const target = invite.ref;
      openIt.addEventListener('click', () => {
        box.remove();
        source?.close();
        source = undefined;
        remember((ref = target));
        log.replaceChildren();
        shown.clear();
        pending.length = 0;
        showReplyForm();
        connect();
        replyForm.querySelector('textarea')?.focus();
      });
      box.append(quote, openIt);
    }
    log.before(box);
    if (!isOpen()) open();
  }

  /** After the stream gave up: forget a conversation the server no longer opens for this browser, else try again. */
  async function recover(): Promise<void> {
    const conversation = ref;
    if (!conversation) return;
    const probe = new AbortController();
    const answer = await fetch(`/api/chat/${encodeURIComponent(conversation)}/events`, { signal: probe.signal, headers: { Accept: 'text/event-stream' }, credentials: 'same-origin' }).catch(
      () => undefined,
    );
    probe.abort();
    if (ref !== conversation) return;
    if (answer?.status === 404) {
      remember((ref = undefined));
      log.replaceChildren();
      shown.clear();
      showStartForm();
      return;
    }
    // Offline, or the server is busy: later. The new stream starts from the beginning; what is shown is not shown again.
    setTimeout(connect, answer ? 3_000 : 5_000);
  }

  async function post(url: string, body: Record<string, string>): Promise<Response> {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, body: JSON.stringify({ ...body, lang }), credentials: 'same-origin' });
  }

  async function loadStatus(): Promise<void> {
    if (statusLoaded) return;
    if (!navigator.onLine) {
      presence.textContent = text.offline;
      return;
    }
    const response = await fetch('/api/chat/status', { headers: { Accept: 'application/json' }, credentials: 'same-origin' }).catch(() => undefined);
    if (!response?.ok) return;
    statusLoaded = true;
    const status = (await response.json()) as { enabled: boolean; present: boolean; signedInEmail?: string };
    if (!status.enabled) {
      root.hidden = true;
      return;
    }
    if (!source) presence.textContent = status.present ? text.present : text.away;
    // A signed-in visitor's address is known: no need to ask for it.
    if (status.signedInEmail) $<HTMLElement>('[data-chat-email-field]').hidden = true;
  }

  function open(): void {
    panel.hidden = false;
    launcher.setAttribute('aria-expanded', 'true');
    setUnread(0);
    void loadStatus();
    if (ref) {
      showReplyForm();
      connect();
    }
    const first = (ref ? replyForm : startForm).querySelector<HTMLElement>('input:not([hidden]):not([tabindex="-1"]), textarea');
    first?.focus();
  }

  function close(): void {
    panel.hidden = true;
    launcher.setAttribute('aria-expanded', 'false');
    launcher.focus();
  }

  launcher.addEventListener('click', () => (isOpen() ? close() : open()));
  $<HTMLButtonElement>('[data-chat-close]').addEventListener('click', close);
  panel.addEventListener('keydown', (event) => {
    if (event.key === 'Escape') close();
  });
  addEventListener('offline', () => (presence.textContent = text.offline));
  addEventListener('online', () => {
    statusLoaded = false;
    if (isOpen()) void loadStatus();
    connect();
  });

  startForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    errorLine.textContent = '';
    const fields = Object.fromEntries(new FormData(startForm)) as Record<string, string>;
    const button = startForm.querySelector<HTMLButtonElement>('button[type="submit"]');
    if (button) button.disabled = true;
    try {
      const response = await post('/api/chat', { ...fields, key: crypto.randomUUID() });
      const body = (await response.json().catch(() => ({}))) as ErrorBody & { ref?: string };
      if (!response.ok || !body.ref) {
        errorLine.textContent = reason(body, text.failed);
        return;
      }
      remember((ref = body.ref));
      log.replaceChildren();
      shown.clear();
      pendingMessage(fields['message'] ?? '');
      startForm.reset();
      showReplyForm();
      connect();
      replyForm.querySelector('textarea')?.focus();
    } catch {
      errorLine.textContent = text.failed;
    } finally {
      if (button) button.disabled = false;
    }
  });

  async function sendReply(message: string, item: HTMLLIElement): Promise<void> {
    const state = item.querySelector('.chat-state') as HTMLElement;
    state.textContent = text.sending;
    try {
      const response = await post(`/api/chat/${encodeURIComponent(ref ?? '')}/messages`, { message });
      if (response.ok) return;
      const body = (await response.json().catch(() => ({}))) as ErrorBody;
      errorLine.textContent = reason(body, text.failed);
    } catch {
      errorLine.textContent = text.failed;
    }
    // Not sent: it stays, with a way to send it again, and will not be matched with a delivered message.
    pending.splice(pending.indexOf(item), 1);
    state.textContent = text.notSent;
    const retry = document.createElement('button');
    retry.type = 'button';
    retry.className = 'chat-retry';
    retry.textContent = text.retry;
    retry.addEventListener('click', () => {
      retry.remove();
      pending.push(item);
      void sendReply(message, item);
    });
    state.after(retry);
  }

  replyForm.addEventListener('submit', (event) => {
    event.preventDefault();
    errorLine.textContent = '';
    const area = replyForm.querySelector('textarea') as HTMLTextAreaElement;
    const message = area.value.trim();
    if (!message || !ref) return;
    area.value = '';
    void sendReply(message, pendingMessage(message));
  });
  replyForm.querySelector('textarea')?.addEventListener('keydown', (event) => {
    // Enter sends, Shift+Enter starts a new line, as chat windows do.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      replyForm.requestSubmit();
    }
  });

  // A conversation under way: hear of answers while reading articles, shown as unread on the button.
  if (ref) connect();
}
