// Staff queue and workspace: what changed elsewhere (a customer reply, a colleague's action, a label set in the Git
// host's UI) appears without a reload, and a workspace shows who else has the ticket open or is answering it.

interface ViewerView {
  name: string;
  replying: boolean;
}

/** Changes arriving together (a reply and its label) cause one reload. */
const SETTLE_MS = 300;
const HEARTBEAT_MS = 20_000;

function isEditing(region: Element, dirty: ReadonlySet<Element>): boolean {
  const active = document.activeElement;
  const focused = active !== null && region.contains(active) && active.matches('input, select, textarea');
  return focused || [...dirty].some((control) => region.contains(control));
}

function messageIds(root: ParentNode): Set<string> {
  return new Set([...root.querySelectorAll<HTMLElement>('.message[id]')].map((m) => m.id));
}

function describeViewers(viewers: readonly ViewerView[]): { text: string; warning: boolean } {
  if (viewers.length === 0) return { text: '', warning: false };
  const replying = viewers.filter((v) => v.replying).map((v) => v.name);
  if (replying.length > 0) {
    const who = replying.join(' and ');
    return { text: `${who} ${replying.length === 1 ? 'is' : 'are'} writing a reply to this ticket: check the conversation before you answer too.`, warning: true };
  }
  return { text: `Also open by ${viewers.map((v) => v.name).join(', ')}.`, warning: false };
}

export function followStaffPage(): void {
  const page = document.querySelector<HTMLElement>('[data-live-page]');
  if (!page || typeof EventSource === 'undefined') return;
  const ticket = page.dataset['ticket'];
  const status = document.querySelector<HTMLElement>('[data-live-status]');
  const viewersLine = document.querySelector<HTMLElement>('[data-viewers]');
  // Form controls changed but not submitted: their region waits rather than lose the change.
  const dirty = new Set<Element>();
  document.addEventListener('change', (event) => {
    if (event.target instanceof Element && event.target.closest('[data-live-region]')) dirty.add(event.target);
  });

  let reloading = false;
  let again = false;
  async function reload(): Promise<void> {
    if (reloading) {
      again = true;
      return;
    }
    reloading = true;
    try {
      const response = await fetch(location.href, { headers: { Accept: 'text/html' }, cache: 'no-store', credentials: 'same-origin' });
      // Signed out meanwhile, or the ticket is gone: the next manual reload shows why.
      if (!response.ok || response.redirected) return;
      const fresh = new DOMParser().parseFromString(await response.text(), 'text/html');
      const before = messageIds(document);
      let changed = false;
      for (const region of document.querySelectorAll<HTMLElement>('[data-live-region]')) {
        const replacement = fresh.querySelector<HTMLElement>(`[data-live-region="${region.dataset['liveRegion']}"]`);
        if (!replacement || replacement.innerHTML === region.innerHTML || isEditing(region, dirty)) continue;
        region.replaceWith(document.importNode(replacement, true));
        changed = true;
      }
      if (!changed || !status) return;
      const added = [...document.querySelectorAll<HTMLElement>('.message[id]')].filter((m) => !before.has(m.id));
      for (const message of added) message.classList.add('message-new');
      const last = added.at(-1);
      const author = last?.querySelector('header strong')?.textContent?.trim();
      status.textContent = last ? `New message from ${author ?? 'someone'}.` : ticket ? 'This ticket was updated.' : 'The queue was updated.';
    } catch {
      // Offline for a moment: the next change or the stream's reconnect tries again.
    } finally {
      reloading = false;
      if (again) {
        again = false;
        void reload();
      }
    }
  }

  let settle: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    clearTimeout(settle);
    settle = setTimeout(() => void reload(), SETTLE_MS);
  };
  const source = new EventSource(ticket ? `/staff/events?ticket=${encodeURIComponent(ticket)}` : '/staff/events');
  source.addEventListener('ticket', soon);
  source.addEventListener('reset', soon);

  if (!ticket || !viewersLine) return;
  const showViewers = (viewers: readonly ViewerView[]) => {
    const { text, warning } = describeViewers(viewers);
    viewersLine.textContent = text;
    viewersLine.hidden = text === '';
    viewersLine.classList.toggle('notice-warning', warning);
  };
  source.addEventListener('viewers', (event) => showViewers((JSON.parse((event as MessageEvent<string>).data) as { viewers: ViewerView[] }).viewers));

  const endpoint = `/staff/tickets/${encodeURIComponent(ticket)}/viewing`;
  const message = document.querySelector<HTMLTextAreaElement>('textarea[name="text"]');
  let state: 'viewing' | 'replying' = message?.value.trim() ? 'replying' : 'viewing';
  const say = (said: 'viewing' | 'replying') =>
    fetch(endpoint, { method: 'POST', body: new URLSearchParams({ state: said }), headers: { Accept: 'application/json' }, credentials: 'same-origin' })
      .then(async (response) => (response.ok ? showViewers(((await response.json()) as { viewers: ViewerView[] }).viewers) : undefined))
      .catch(() => {});
  void say(state);
  setInterval(() => void say(state), HEARTBEAT_MS);
  message?.addEventListener('input', () => {
    const now = message.value.trim() ? 'replying' : 'viewing';
    if (now === state) return;
    state = now;
    void say(state);
  });
  addEventListener('pagehide', () => navigator.sendBeacon(endpoint, new URLSearchParams({ state: 'left' })));
  addEventListener('pageshow', (event: PageTransitionEvent) => {
    if (event.persisted) void say(state);
  });
}
