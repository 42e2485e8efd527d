// Offline ticket drafts: a form submitted without a network is kept on this device (attachments
// excepted) and sent when the network returns, with an idempotency key so a draft sent twice makes
// one ticket (the server looks the key up before creating).

/** The hidden field carrying the key; the server accepts 8–64 letters, digits, `_` and `-`. */
export const IDEMPOTENCY_FIELD = 'idempotencyKey';

/** What the form shows; English like the ticket form itself. */
export const DRAFT_TEXT = {
  offline: 'You are offline. You can still write your ticket: it is kept on this device and sent when you are back online.',
  saved: 'You are offline. Your ticket is saved on this device and will be sent automatically when you are back online.',
  attachmentsDropped: 'Attachments are not kept offline: add them in a reply once your ticket is open.',
  sending: 'Back online: sending your saved ticket…',
  sent: 'Your saved ticket was sent.',
  view: 'View your ticket',
  retry: 'Your saved ticket could not be sent yet; it stays on this device and is tried again when you are online.',
  rejected: 'Your saved ticket was not accepted:',
  fix: 'Check the form and send it again.',
} as const;

/** A ticket form kept on this device. */
export interface TicketDraft {
  /** Sent with the draft; the same on every retry. */
  idempotencyKey: string;
  /** Every non-file field as name/value pairs, in form order (a name may repeat). */
  fields: Array<[string, string]>;
  /** Whether files were chosen: they are not kept, and the customer is told. */
  droppedFiles: boolean;
  /** ISO time the draft was saved. */
  savedAt: string;
}

/** What the draft needs of `localStorage`. */
export type DraftStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

/** A fresh key: 128 random bits as 32 hex digits. */
export function createIdempotencyKey(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> = (bytes) => crypto.getRandomValues(bytes)): string {
  return [...random(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Storage key of the draft of the form posting to `action` (one draft per form target). */
export function draftStorageKey(action: string): string {
  return `helpdesk:ticket-draft:${new URL(action, 'http://site.invalid').pathname}`;
}

/** Builds a draft from form entries: strings are kept, files are dropped and noted. */
export function entriesToDraft(entries: Iterable<[string, FormDataEntryValue]>, idempotencyKey: string, now = new Date()): TicketDraft {
  const fields: Array<[string, string]> = [];
  let droppedFiles = false;
  for (const [name, value] of entries) {
    if (name === IDEMPOTENCY_FIELD) continue;
    if (typeof value === 'string') fields.push([name, value]);
    else if (value.size > 0 || value.name !== '') droppedFiles = true;
  }
  return { idempotencyKey, fields, droppedFiles, savedAt: now.toISOString() };
}

/** Reads a stored draft; anything that is not one (another version, a hand edit) reads as none. */
export function parseDraft(text: string | null): TicketDraft | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as Partial<TicketDraft> | null;
    const fieldsOk = Array.isArray(value?.fields) && value.fields.every((f) => Array.isArray(f) && f.length === 2 && f.every((s) => typeof s === 'string'));
    if (!value || typeof value.idempotencyKey !== 'string' || !/^[\w-]{8,64}$/.test(value.idempotencyKey) || !fieldsOk) return undefined;
    return { idempotencyKey: value.idempotencyKey, fields: value.fields as Array<[string, string]>, droppedFiles: value.droppedFiles === true, savedAt: String(value.savedAt ?? '') };
  } catch {
    return undefined;
  }
}

export function saveDraft(storage: DraftStorage, key: string, draft: TicketDraft): void {
  storage.setItem(key, JSON.stringify(draft));
}

export function loadDraft(storage: DraftStorage, key: string): TicketDraft | undefined {
  return parseDraft(storage.getItem(key));
}

/** The request body: the saved fields plus the idempotency key, as multipart/form-data. */
export function draftToFormData(draft: TicketDraft): FormData {
  const body = new FormData();
  for (const [name, value] of draft.fields) body.append(name, value);
  body.set(IDEMPOTENCY_FIELD, draft.idempotencyKey);
  return body;
}

export type SendOutcome =
  /** Created (or found by its key): forget the draft. `url` is the ticket page, if the server named it. */
  | { kind: 'sent'; url: string | undefined }
  /** The server refused the content (4xx): retrying cannot help, the customer must change something. */
  | { kind: 'rejected'; message: string; fields: Record<string, string> }
  /** No network, a timeout, a rate limit or a server error: keep the draft and try again later. */
  | { kind: 'retry'; message: string };

interface ErrorBody {
  error?: { message?: unknown; fields?: unknown };
}

/**
 * Posts a draft to the form's action as `multipart/form-data` with `Accept: application/json`, and
 * classifies the answer. Never throws: a failed fetch is a `retry`.
 */
export async function sendDraft(draft: TicketDraft, action: string, fetchImpl: typeof fetch = fetch): Promise<SendOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(action, { method: 'POST', body: draftToFormData(draft), headers: { Accept: 'application/json' }, credentials: 'same-origin' });
  } catch (error) {
    return { kind: 'retry', message: String(error) };
  }
  const body = (await response.json().catch(() => ({}))) as ErrorBody & { url?: unknown };
  if (response.ok) return { kind: 'sent', url: typeof body.url === 'string' && body.url.startsWith('/') ? body.url : undefined };
  const message = typeof body.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`;
  // 408 and 429 are "not now", not "not this": retry later like a server error.
  if (response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429) {
    const fields =
      body.error?.fields && typeof body.error.fields === 'object' ? Object.fromEntries(Object.entries(body.error.fields).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
    return { kind: 'rejected', message, fields };
  }
  return { kind: 'retry', message };
}

function statusElement(form: HTMLFormElement): HTMLElement {
  let status = form.querySelector<HTMLElement>('[data-offline-status]');
  if (!status) {
    status = document.createElement('p');
    status.dataset['offlineStatus'] = '';
    status.setAttribute('role', 'status');
    form.prepend(status);
  }
  if (!status.hasAttribute('aria-live') && status.getAttribute('role') !== 'status') status.setAttribute('aria-live', 'polite');
  return status;
}

function keyField(form: HTMLFormElement): HTMLInputElement {
  let field = form.querySelector<HTMLInputElement>(`input[name="${IDEMPOTENCY_FIELD}"]`);
  if (!field) {
    field = document.createElement('input');
    field.type = 'hidden';
    field.name = IDEMPOTENCY_FIELD;
    form.append(field);
  }
  if (!/^[\w-]{8,64}$/.test(field.value)) field.value = createIdempotencyKey();
  return field;
}

/** Puts saved values back into the form's fields, so the customer sees (and can fix) what was kept. */
function restoreFields(form: HTMLFormElement, draft: TicketDraft): void {
  for (const [name, value] of draft.fields) {
    const field = form.elements.namedItem(name);
    if (field instanceof HTMLInputElement && (field.type === 'checkbox' || field.type === 'radio')) field.checked = field.value === value;
    else if (field instanceof HTMLInputElement || field instanceof HTMLTextAreaElement || field instanceof HTMLSelectElement) {
      if (field.type !== 'file' && field.type !== 'hidden') field.value = value;
    }
  }
  keyField(form).value = draft.idempotencyKey;
}

function say(status: HTMLElement, ...parts: Array<string | Node>): void {
  status.replaceChildren(...parts.flatMap((part, i) => (i === 0 ? [part] : [' ', part])));
}

/**
 * Makes a ticket form work offline. Submitting without a network keeps the draft (all fields but
 * files, plus an idempotency key in the hidden `idempotencyKey` field) in localStorage and says so in
 * `[data-offline-status]`; when the network returns (or on the next load with a draft kept), the
 * draft is posted to the form's action and forgotten once the server accepts it, with a link to the ticket.
 */
export function enhanceTicketForm(form: HTMLFormElement, storage: DraftStorage = window.localStorage): void {
  // Once per form: a second set of listeners would send each draft twice.
  if (form.dataset['offlineDrafts'] === 'on') return;
  form.dataset['offlineDrafts'] = 'on';
  // `form.action` would be an <input name="action"> if the form has one; read the attribute.
  const action = new URL(form.getAttribute('action') ?? '', window.location.href).href;
  const storageKey = draftStorageKey(action);
  const status = statusElement(form);
  let sending = false;

  const send = async (): Promise<void> => {
    const draft = loadDraft(storage, storageKey);
    if (!draft || sending || !navigator.onLine) return;
    sending = true;
    say(status, DRAFT_TEXT.sending);
    const outcome = await sendDraft(draft, action);
    sending = false;
    if (outcome.kind === 'sent') {
      storage.removeItem(storageKey);
      form.reset();
      keyField(form).value = createIdempotencyKey();
      if (outcome.url) {
        const link = document.createElement('a');
        link.href = outcome.url;
        link.textContent = DRAFT_TEXT.view;
        say(status, DRAFT_TEXT.sent, link);
      } else {
        say(status, DRAFT_TEXT.sent);
      }
    } else if (outcome.kind === 'rejected') {
      // Keep the text in the form for the customer to fix; retrying unchanged would fail again.
      storage.removeItem(storageKey);
      restoreFields(form, draft);
      const detail = Object.values(outcome.fields);
      say(status, DRAFT_TEXT.rejected, detail.length > 0 ? detail.join(' ') : outcome.message, DRAFT_TEXT.fix);
    } else {
      say(status, DRAFT_TEXT.retry);
    }
  };

  form.addEventListener('submit', (event) => {
    const key = keyField(form);
    if (navigator.onLine) return;
    event.preventDefault();
    const draft = entriesToDraft(new FormData(form), key.value);
    saveDraft(storage, storageKey, draft);
    say(status, DRAFT_TEXT.saved, ...(draft.droppedFiles ? [DRAFT_TEXT.attachmentsDropped] : []));
  });
  window.addEventListener('offline', () => {
    if (!loadDraft(storage, storageKey)) say(status, DRAFT_TEXT.offline, DRAFT_TEXT.attachmentsDropped);
  });
  window.addEventListener('online', () => {
    if (loadDraft(storage, storageKey)) void send();
    else say(status);
  });

  const kept = loadDraft(storage, storageKey);
  if (kept) {
    restoreFields(form, kept);
    if (navigator.onLine) void send();
    else say(status, DRAFT_TEXT.saved, ...(kept.droppedFiles ? [DRAFT_TEXT.attachmentsDropped] : []));
  } else if (!navigator.onLine) {
    say(status, DRAFT_TEXT.offline, DRAFT_TEXT.attachmentsDropped);
  }
}
