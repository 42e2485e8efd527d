// Ticket form: markdown preview, article suggestions while typing, offline drafts.
import { enhanceTicketForm } from './offline-draft.ts';

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
  toggle.textContent = 'Preview';
  toggle.setAttribute('aria-pressed', 'false');
  source.insertAdjacentElement('afterend', toggle);
  toggle.addEventListener('click', async () => {
    const showing = toggle.getAttribute('aria-pressed') === 'true';
    if (showing) {
      preview.hidden = true;
      source.hidden = false;
      toggle.setAttribute('aria-pressed', 'false');
      toggle.textContent = 'Preview';
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
    toggle.textContent = 'Edit';
  });
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
    const response = await fetch(`/api/suggest?q=${encodeURIComponent(query)}`, { headers: { Accept: 'application/json' } }).catch(() => undefined);
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

export function enhanceTicketFormPage(): void {
  const form = document.querySelector<HTMLFormElement>('[data-ticket-form]');
  if (!form) return;
  setUpPreview(form);
  setUpSuggestions(form);
  enhanceTicketForm(form);
}
