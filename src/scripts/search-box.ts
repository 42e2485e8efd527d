// Turns each SearchBox form into a combobox with results as you type. Without JavaScript the form
// still submits to /search, the server-rendered results page.
import type { TextSegment } from '../kb/search/highlight.ts';
import type { ResultView, SearchRequest, SearchResponse } from './search-protocol.ts';
// Knowledgebase insights (src/scripts/kb-insights.ts): settled searches are counted anonymously, and the
// no-result ticket link carries a marker. Kept to the three calls marked "insights" below.
import { ticketLinkFromSearch } from '../kb/insights-protocol.ts';
import { noteSearch, startInsights } from './kb-insights.ts';

/** Wait after the last keystroke before searching. */
const DEBOUNCE_MS = 120;
const MIN_CHARS = 2;
const LIMIT = 8;

let worker: Worker | undefined;
let nextId = 1;
const pending = new Map<number, (response: SearchResponse) => void>();

function getWorker(): Worker {
  if (!worker) {
    worker = new Worker(new URL('./search-worker.ts', import.meta.url), { type: 'module', name: 'search' });
    worker.addEventListener('message', (event: MessageEvent<SearchResponse>) => pending.get(event.data.id)?.(event.data));
  }
  return worker;
}

function send(request: SearchRequest): void {
  getWorker().postMessage(request);
}

function appendSegments(parent: HTMLElement, segments: readonly TextSegment[]): void {
  for (const segment of segments) {
    if (segment.match) {
      const mark = document.createElement('mark');
      mark.textContent = segment.text;
      parent.append(mark);
    } else {
      parent.append(document.createTextNode(segment.text));
    }
  }
}

function enhance(form: HTMLFormElement): void {
  const input = form.querySelector<HTMLInputElement>('input[name="q"]');
  const list = form.querySelector<HTMLElement>('[role="listbox"]');
  const status = form.querySelector<HTMLElement>('[data-search-status]');
  if (!input || !list || !status) return;
  const lang = form.dataset['lang'] ?? 'en';
  const text = {
    noResults: form.dataset['noResults'] ?? 'No articles match',
    openTicket: form.dataset['openTicket'] ?? 'Open a ticket',
    results: form.dataset['resultsCount'] ?? '{n} results',
  };
  let timer: ReturnType<typeof setTimeout> | undefined;
  let active = -1;
  let currentId = 0;

  // Each option is the result's link itself (in a presentational item): an option holding a link would nest one
  // interactive element in another.
  const options = (): HTMLAnchorElement[] => [...list.querySelectorAll<HTMLAnchorElement>('a[role="option"]')];
  const close = (): void => {
    list.hidden = true;
    list.setAttribute('aria-busy', 'false');
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  };
  const setActive = (index: number): void => {
    const all = options();
    if (all.length === 0) return;
    active = (index + all.length) % all.length;
    all.forEach((option, i) => option.setAttribute('aria-selected', String(i === active)));
    const option = all[active]!;
    input.setAttribute('aria-activedescendant', option.id);
    option.scrollIntoView({ block: 'nearest' });
  };

  const render = (query: string, results: readonly ResultView[], complete: boolean): void => {
    // Results arrive in steps (first matches, then the full ranking); a row the reader already
    // selected stays selected when the list is redrawn.
    const selectedUrl = active >= 0 ? options()[active]?.href : undefined;
    list.replaceChildren();
    active = -1;
    input.removeAttribute('aria-activedescendant');
    list.setAttribute('aria-busy', String(!complete));
    if (results.length === 0) {
      const empty = document.createElement('li');
      empty.className = 'search-empty';
      empty.setAttribute('role', 'presentation');
      empty.append(`${text.noResults} “${query}”. `);
      const ticket = document.createElement('a');
      ticket.href = ticketLinkFromSearch(query, lang); // insights
      ticket.textContent = text.openTicket;
      empty.append(ticket);
      list.append(empty);
    }
    results.forEach((result, i) => {
      const item = document.createElement('li');
      item.setAttribute('role', 'none');
      const link = document.createElement('a');
      link.id = `${input.id}-option-${i}`;
      link.setAttribute('role', 'option');
      link.setAttribute('aria-selected', 'false');
      link.href = result.url;
      link.tabIndex = -1;
      const title = document.createElement('span');
      title.className = 'search-title';
      appendSegments(title, result.title);
      const category = document.createElement('span');
      category.className = 'search-category';
      category.textContent = result.category;
      const snippet = document.createElement('span');
      snippet.className = 'search-snippet';
      appendSegments(snippet, result.snippet);
      link.append(title, category, snippet);
      link.addEventListener('mousedown', (event) => event.preventDefault()); // keep focus in the input
      item.append(link);
      list.append(item);
    });
    status.textContent = text.results.replace('{n}', String(results.length));
    list.hidden = false;
    input.setAttribute('aria-expanded', 'true');
    if (selectedUrl) {
      const again = options().findIndex((option) => option.href === selectedUrl);
      if (again >= 0) setActive(again);
    }
  };

  const run = (): void => {
    const query = input.value;
    if (query.trim().length < MIN_CHARS) {
      pending.delete(currentId);
      close();
      status.textContent = '';
      return;
    }
    pending.delete(currentId);
    const id = nextId++;
    currentId = id;
    pending.set(id, (response) => {
      if (response.type === 'results') {
        render(response.query, response.results, response.complete);
        if (response.complete) {
          pending.delete(id);
          noteSearch(response.query, lang, response.results.length); // insights
        }
      } else {
        pending.delete(id);
        list.setAttribute('aria-busy', 'false');
      }
    });
    send({ type: 'query', id, lang, query, limit: LIMIT });
  };

  input.addEventListener('focus', () => send({ type: 'warm', lang }), { once: true });
  input.addEventListener('input', () => {
    // The rows shown are for what was typed before: busy until the new query's ranking is complete.
    list.setAttribute('aria-busy', 'true');
    clearTimeout(timer);
    timer = setTimeout(run, DEBOUNCE_MS);
  });
  input.addEventListener('keydown', (event) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      if (list.hidden && input.value.trim().length >= MIN_CHARS) run();
      else setActive(active + (event.key === 'ArrowDown' ? 1 : -1));
    } else if (event.key === 'Enter' && active >= 0 && !list.hidden) {
      const link = options()[active];
      if (link) {
        event.preventDefault();
        window.location.assign(link.href);
      }
    } else if (event.key === 'Escape') {
      if (!list.hidden) close();
      else input.value = '';
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 150));
}

function isTyping(target: EventTarget | null): boolean {
  return target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
}

const forms = [...document.querySelectorAll<HTMLFormElement>('form[data-search-box]')];
forms.forEach(enhance);
startInsights(); // insights
document.addEventListener('keydown', (event) => {
  const shortcut = (event.key === 'k' && (event.ctrlKey || event.metaKey)) || (event.key === '/' && !isTyping(event.target));
  if (!shortcut) return;
  const box = forms[0]?.querySelector<HTMLInputElement>('input[name="q"]');
  if (!box) return;
  event.preventDefault();
  box.focus();
  box.select();
});
