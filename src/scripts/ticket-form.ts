// Ticket form: markdown preview, article suggestions while typing, offline drafts, and sending without leaving
// the page, so a refusal (a rate limit, a field to fix) leaves everything typed and every chosen file in place.
import { enhanceTicketForm } from './offline-draft.ts';
import { refusedFormText, TICKET_FORM_ORDER } from '../tickets/ticket-form.ts';

function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): (...args: A) => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

interface Suggestion {
  title: string;
  url: string;
  description: string;
}

function setUpPreview(form: HTMLFormElement): void {
  const source = form.querySelector<HTMLTextAreaElement>('[data-markdown-source]');
  const preview = form.querySelector<HTMLElement>('[data-markdown-preview]');
  if (!source || !preview) return;
  const toggle = document.createElement('button');
  toggle.type = 'button';
  toggle.className = 'button-secondary';
  // The page gives the button's words in its language.
  const text = { preview: source.dataset['previewLabel'] ?? 'Preview', edit: source.dataset['editLabel'] ?? 'Edit' };
  toggle.textContent = text.preview;
  toggle.setAttribute('aria-pressed', 'false');
  source.insertAdjacentElement('afterend', toggle);
  toggle.addEventListener('click', async () => {
    const showing = toggle.getAttribute('aria-pressed') === 'true';
    if (showing) {
      preview.hidden = true;
      source.hidden = false;
      toggle.setAttribute('aria-pressed', 'false');
      toggle.textContent = text.preview;
      source.focus();
      return;
    }
    const response = await fetch('/api/preview', { method: 'POST', body: source.value, headers: { Accept: 'application/json', 'Content-Type': 'text/plain' } }).catch(() => undefined);
    if (!response?.ok) return;
    // The server renders through its sanitizer, the same one the ticket page uses.
    preview.innerHTML = ((await response.json()) as { html: string }).html || '<p><em>Nothing to preview yet.</em></p>';
    preview.hidden = false;
    source.hidden = true;
    toggle.setAttribute('aria-pressed', 'true');
    toggle.textContent = text.edit;
  });
}

/** The language the page rendered the form in (`data-lang`). */
function formLanguage(form: HTMLFormElement): 'en' | 'de' {
  return form.dataset['lang'] === 'de' ? 'de' : 'en';
}

function setUpSuggestions(form: HTMLFormElement): void {
  const box = form.querySelector<HTMLElement>('[data-suggestions]');
  const list = box?.querySelector('ul');
  const sources = [...form.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('[data-suggest-source]')];
  if (!box || !list || sources.length === 0) return;
  const update = debounce(async () => {
    const query = sources
      .map((s) => s.value)
      .join(' ')
      .trim()
      .slice(0, 300);
    if (query.length < 4) {
      box.hidden = true;
      return;
    }
    // The form's language: a German subject is searched among the German articles.
    const response = await fetch(`/api/suggest?q=${encodeURIComponent(query)}&lang=${formLanguage(form)}`, { headers: { Accept: 'application/json' } }).catch(() => undefined);
    if (!response?.ok) return;
    const { results } = (await response.json()) as { results: Suggestion[] };
    list.replaceChildren(
      ...results.slice(0, 4).map((r) => {
        const item = document.createElement('li');
        const link = document.createElement('a');
        link.href = r.url;
        link.target = '_blank';
        link.textContent = r.title;
        const summary = document.createElement('span');
        summary.className = 'summary';
        summary.textContent = r.description;
        item.append(link, summary);
        return item;
      }),
    );
    box.hidden = results.length === 0;
  }, 400);
  for (const source of sources) source.addEventListener('input', update);
}

/** The error body of a refused form (src/server/http.ts, errorResponse). */
interface Refusal {
  error?: { message?: unknown; fields?: unknown };
}

/** Shows a field's message next to it, as the page does (components/tickets/FieldError.astro). */
function markField(form: HTMLFormElement, name: string, message: string): void {
  const control = form.querySelector<HTMLElement>(`#${CSS.escape(name)}`);
  const field = control?.closest('.field');
  if (!control || !field) return;
  const id = `${name}-error`;
  const error = document.createElement('p');
  error.className = 'field-error';
  error.id = id;
  error.dataset['clientError'] = '';
  error.textContent = message;
  (field.querySelector(`#${CSS.escape(name)}-hint`) ?? control).insertAdjacentElement('afterend', error);
  control.setAttribute('aria-invalid', 'true');
  const described = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((token) => token && token !== id);
  control.setAttribute('aria-describedby', [id, ...described].join(' '));
}

/** Clears what an earlier refusal showed, whether the page rendered it or this script did. */
function clearRefusal(form: HTMLFormElement): void {
  form.querySelector('[data-error-summary]')?.remove();
  for (const error of form.querySelectorAll<HTMLElement>('.field-error')) {
    const control = form.querySelector<HTMLElement>(`[aria-describedby~="${CSS.escape(error.id)}"]`);
    if (control) {
      control.removeAttribute('aria-invalid');
      const rest = (control.getAttribute('aria-describedby') ?? '').split(' ').filter((token) => token && token !== error.id);
      if (rest.length) control.setAttribute('aria-describedby', rest.join(' '));
      else control.removeAttribute('aria-describedby');
    }
    error.remove();
  }
  // Files chosen now are sent with the form: the page's "choose them again" no longer applies.
  const files = form.querySelector<HTMLInputElement>('input[type="file"]');
  if (files?.files?.length) form.querySelector('[data-choose-again]')?.remove();
}

/** The summary the page renders for a refused form (components/tickets/ErrorSummary.astro), built here after a JSON answer, then focused. */
function showRefusal(form: HTMLFormElement, message: string, fields: Record<string, string>): void {
  clearRefusal(form);
  const summary = document.createElement('div');
  summary.className = 'error-summary';
  summary.setAttribute('role', 'alert');
  summary.tabIndex = -1;
  summary.setAttribute('aria-labelledby', 'error-summary-title');
  summary.dataset['errorSummary'] = '';
  const title = document.createElement('h2');
  title.id = 'error-summary-title';
  const REFUSED_FORM_TEXT = refusedFormText(formLanguage(form));
  title.textContent = REFUSED_FORM_TEXT.title;
  summary.append(title);
  const listed = TICKET_FORM_ORDER.filter((name) => fields[name] && form.querySelector(`#${name}`));
  const formMessage = fields['form'] ?? (listed.length === 0 ? message : undefined);
  if (formMessage) {
    const text = document.createElement('p');
    text.dataset['errorSummaryMessage'] = '';
    text.textContent = formMessage;
    summary.append(text);
  }
  if (listed.length > 0) {
    const fix = document.createElement('p');
    fix.textContent = REFUSED_FORM_TEXT.fix;
    const list = document.createElement('ul');
    for (const name of listed) {
      const link = document.createElement('a');
      link.href = `#${name}`;
      link.textContent = fields[name]!;
      const item = document.createElement('li');
      item.append(link);
      list.append(item);
      markField(form, name, fields[name]!);
    }
    summary.append(fix, list);
  }
  const kept = document.createElement('p');
  kept.className = 'hint';
  kept.textContent = REFUSED_FORM_TEXT.kept;
  summary.append(kept);
  form.prepend(summary);
  summary.focus();
}

/**
 * Sends the form with `Accept: application/json` instead of loading a new page: a created ticket opens its page, a
 * refusal shows its summary at the top of the form, focused, with nothing typed or chosen lost. Offline, the draft
 * handler (offline-draft.ts, registered first) keeps the form instead.
 */
function setUpSubmit(form: HTMLFormElement): void {
  const button = form.querySelector<HTMLButtonElement>('button[type="submit"]');
  let sending = false;
  form.addEventListener('submit', async (event) => {
    if (event.defaultPrevented || !navigator.onLine) return;
    event.preventDefault();
    if (sending) return;
    sending = true;
    button?.setAttribute('aria-disabled', 'true');
    try {
      const action = new URL(form.getAttribute('action') ?? '', location.href).href;
      const response = await fetch(action, { method: 'POST', body: new FormData(form), headers: { Accept: 'application/json' }, credentials: 'same-origin' }).catch(() => undefined);
      if (!response) return showRefusal(form, refusedFormText(formLanguage(form)).unreachable, {});
      const body = (await response.json().catch(() => ({}))) as Refusal & { url?: unknown };
      if (response.ok && typeof body.url === 'string' && body.url.startsWith('/')) return location.assign(body.url);
      const message = typeof body.error?.message === 'string' ? body.error.message : `The site answered ${response.status}. Please send the form again.`;
      const fields =
        body.error?.fields && typeof body.error.fields === 'object' ? Object.fromEntries(Object.entries(body.error.fields).filter((e): e is [string, string] => typeof e[1] === 'string')) : {};
      showRefusal(form, message, fields);
    } finally {
      sending = false;
      button?.removeAttribute('aria-disabled');
    }
  });
}

export function enhanceTicketFormPage(): void {
  const form = document.querySelector<HTMLFormElement>('[data-ticket-form]');
  if (!form) return;
  setUpPreview(form);
  setUpSuggestions(form);
  enhanceTicketForm(form);
  setUpSubmit(form);
  // A refused form the page rendered: autofocus moves there already; this covers browsers that skip it.
  form.querySelector<HTMLElement>('[data-error-summary]')?.focus();
}
