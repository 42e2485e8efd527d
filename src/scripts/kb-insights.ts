// Knowledgebase insights in the browser: article votes and search reports wait in localStorage and are sent
// when there is a network, each exactly once (a vote by its id and change counter, a report by its key; the
// server ignores what it counted before). No cookie and nothing that names the visitor: a vote id is random
// and belongs to one article. Only pages of a site with `features.insights` (<html data-insights>) collect.
import { FEEDBACK_ENDPOINT, SEARCH_QUERY_MAX, SEARCH_REPORTS_ENDPOINT, SEARCH_REPORTS_MAX, SEARCH_RESULTS_MAX } from '../kb/insights-protocol.ts';

/** What the queue needs of `localStorage`. */
export type InsightsStorage = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export const VOTES_KEY = 'helpdesk:kb-votes';
export const SEARCHES_KEY = 'helpdesk:kb-searches';
/** Most search reports kept while offline; older ones are dropped first. */
export const SEARCH_QUEUE_MAX = 50;
/** A search counts once the visitor stopped typing this long (or leaves the page, or opens a result). */
export const SETTLE_MS = 2500;

/** This browser's vote on one article. */
export interface StoredVote {
  voteId: string;
  seq: number;
  helpful: boolean;
  /** The last comment sent with it, if any. */
  comment?: string;
  /** Whether the server has this `seq`. */
  sent: boolean;
}

export interface QueuedSearch {
  key: string;
  query: string;
  lang: string;
  results: number;
}

/** A random id: 128 bits as 22 base64url characters. */
export function randomId(random: (bytes: Uint8Array<ArrayBuffer>) => Uint8Array<ArrayBuffer> = (bytes) => crypto.getRandomValues(bytes)): string {
  const bytes = random(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function readJson<T>(storage: InsightsStorage, key: string, fallback: T, valid: (value: unknown) => value is T): T {
  try {
    const value: unknown = JSON.parse(storage.getItem(key) ?? 'null');
    return valid(value) ? value : fallback;
  } catch {
    return fallback;
  }
}

const isVote = (v: unknown): v is StoredVote =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as StoredVote).voteId === 'string' &&
  Number.isInteger((v as StoredVote).seq) &&
  typeof (v as StoredVote).helpful === 'boolean' &&
  typeof (v as StoredVote).sent === 'boolean';
const isVotes = (v: unknown): v is Record<string, StoredVote> => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.values(v).every(isVote);
const isSearches = (v: unknown): v is QueuedSearch[] =>
  Array.isArray(v) && v.every((s) => typeof s?.key === 'string' && typeof s.query === 'string' && typeof s.lang === 'string' && Number.isInteger(s.results));

/** This browser's votes, by article slug; anything unreadable reads as none. */
export function loadVotes(storage: InsightsStorage): Record<string, StoredVote> {
  return readJson(storage, VOTES_KEY, {}, isVotes);
}

/**
 * Records a vote (or a change of it, or a comment on it) for sending: the article's vote id stays, the change
 * counter goes up. `comment` undefined keeps the comment sent before.
 */
export function castVote(storage: InsightsStorage, article: string, helpful: boolean, comment?: string): StoredVote {
  const votes = loadVotes(storage);
  const before = votes[article];
  const vote: StoredVote = {
    voteId: before?.voteId ?? randomId(),
    seq: (before?.seq ?? 0) + 1,
    helpful,
    ...(comment !== undefined ? { comment } : before?.comment !== undefined ? { comment: before.comment } : {}),
    sent: false,
  };
  votes[article] = vote;
  storage.setItem(VOTES_KEY, JSON.stringify(votes));
  return vote;
}

export function loadSearches(storage: InsightsStorage): QueuedSearch[] {
  return readJson(storage, SEARCHES_KEY, [], isSearches);
}

/** Queues a search report; the queue keeps the newest SEARCH_QUEUE_MAX. */
export function queueSearch(storage: InsightsStorage, search: Omit<QueuedSearch, 'key'>): void {
  const query = search.query.trim().slice(0, SEARCH_QUERY_MAX);
  if (query.length < 2) return;
  const queue = [...loadSearches(storage), { key: randomId(), query, lang: search.lang, results: Math.min(SEARCH_RESULTS_MAX, Math.max(0, search.results)) }];
  storage.setItem(SEARCHES_KEY, JSON.stringify(queue.slice(-SEARCH_QUEUE_MAX)));
}

/** `sent`: the server has it (or counted it before); `rejected`: it never will (4xx): drop it; `retry`: keep it. */
export type Outcome = 'sent' | 'rejected' | 'retry';

async function post(url: string, body: unknown, fetchImpl: typeof fetch, keepalive: boolean): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      keepalive,
    });
  } catch {
    return 'retry';
  }
  if (response.ok) return 'sent';
  // 408 and 429 are "not now", not "not this"; 5xx the same.
  return response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429 ? 'rejected' : 'retry';
}

/** Sends every vote the server does not have yet; one that changed meanwhile stays unsent for the next round. */
export async function flushVotes(storage: InsightsStorage, fetchImpl: typeof fetch = fetch, keepalive = false): Promise<Record<string, Outcome>> {
  const outcomes: Record<string, Outcome> = {};
  for (const [article, vote] of Object.entries(loadVotes(storage))) {
    if (vote.sent) continue;
    const outcome = await post(
      FEEDBACK_ENDPOINT,
      { voteId: vote.voteId, seq: vote.seq, article, helpful: vote.helpful, ...(vote.comment !== undefined ? { comment: vote.comment } : {}) },
      fetchImpl,
      keepalive,
    );
    outcomes[article] = outcome;
    if (outcome === 'retry') continue;
    const now = loadVotes(storage);
    if (now[article]?.seq === vote.seq) {
      now[article] = { ...vote, sent: true };
      storage.setItem(VOTES_KEY, JSON.stringify(now));
    }
  }
  return outcomes;
}

/** Sends queued search reports in batches; the ones the server took (or refused for good) leave the queue. */
export async function flushSearches(storage: InsightsStorage, fetchImpl: typeof fetch = fetch, keepalive = false): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (;;) {
    const batch = loadSearches(storage).slice(0, SEARCH_REPORTS_MAX);
    if (batch.length === 0) return outcomes;
    const outcome = await post(SEARCH_REPORTS_ENDPOINT, { reports: batch }, fetchImpl, keepalive);
    outcomes.push(outcome);
    if (outcome === 'retry') return outcomes;
    const done = new Set(batch.map((s) => s.key));
    storage.setItem(SEARCHES_KEY, JSON.stringify(loadSearches(storage).filter((s) => !done.has(s.key))));
  }
}

/** Whether this site collects insights (the layout marks <html data-insights>). */
export function insightsOn(): boolean {
  return typeof document !== 'undefined' && document.documentElement.hasAttribute('data-insights');
}

let flushing: Promise<void> | undefined;
let again = false;
const listeners = new Set<() => void>();

/**
 * Sends what waits, one round at a time per page (a call during a round asks for one more, so a vote cast
 * meanwhile is not left waiting); `keepalive` for a page that is being left.
 */
export function flushInsights(keepalive = false): Promise<void> {
  if (!navigator.onLine) return Promise.resolve();
  if (flushing) {
    again = true;
    return flushing;
  }
  flushing = (async () => {
    try {
      do {
        again = false;
        await flushVotes(localStorage, fetch, keepalive);
        await flushSearches(localStorage, fetch, keepalive);
      } while (again && navigator.onLine);
    } finally {
      flushing = undefined;
      for (const listener of listeners) listener();
    }
  })();
  return flushing;
}

/** Called after each flush (the feedback widget updates its "sent" line). */
export function onFlushed(listener: () => void): void {
  listeners.add(listener);
}

let pendingSearch: Omit<QueuedSearch, 'key'> | undefined;
let settleTimer: ReturnType<typeof setTimeout> | undefined;
let lastQueued = '';

function commitSearch(): void {
  clearTimeout(settleTimer);
  if (!pendingSearch) return;
  const search = pendingSearch;
  pendingSearch = undefined;
  // The same query again on this page (the list redrawn, the box refocused) is one search.
  const same = `${search.lang}\u0000${search.query.trim().toLowerCase()}`;
  if (same === lastQueued) return;
  lastQueued = same;
  queueSearch(localStorage, search);
}

/**
 * The search box reports each complete result list here; a query counts once the visitor stopped typing for
 * SETTLE_MS, left the page or opened a result — not every prefix typed on the way.
 */
export function noteSearch(query: string, lang: string, results: number): void {
  if (!insightsOn()) return;
  pendingSearch = { query, lang, results };
  clearTimeout(settleTimer);
  settleTimer = setTimeout(() => {
    commitSearch();
    void flushInsights();
  }, SETTLE_MS);
}

let started = false;

/** Once per page: sends what waits now and whenever the network comes back, and what is pending when the page is left. */
export function startInsights(): void {
  if (started || !insightsOn()) return;
  started = true;
  window.addEventListener('online', () => void flushInsights());
  window.addEventListener('pagehide', () => {
    commitSearch();
    void flushInsights(true);
  });
  void flushInsights();
}
