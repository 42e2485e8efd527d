// Searches a folder of articles from the command line with the site's index and ranking.
// npm run kb:search -- --content <dir> [--lang en] [--json] [--limit N] [--synonyms file] "<query>"
import path from 'node:path';
import { parseArgs } from 'node:util';
import { articleUrl } from '../src/kb/links.ts';
import { loadCachedIndexes } from '../src/kb/search/cli-cache.ts';
import { toSearchLanguage } from '../src/kb/search/languages.ts';
import { createSearcher, search } from '../src/kb/search/query.ts';
import { formatProblem } from '../src/kb/problems.ts';
import { urlToSlug } from '../src/kb/search/relevance.ts';

const usage = 'usage: npm run kb:search -- --content <dir> [--lang en|de] [--json] [--limit N] [--synonyms <file>] "<query>"';

function fail(message: string): never {
  console.error(`${message}\n${usage}`);
  process.exit(2);
}

let args: ReturnType<typeof parseCli>;
function parseCli() {
  return parseArgs({
    allowPositionals: true,
    options: {
      content: { type: 'string', default: 'content/articles' },
      lang: { type: 'string', default: 'en' },
      json: { type: 'boolean', default: false },
      limit: { type: 'string', default: '10' },
      synonyms: { type: 'string', default: 'content/synonyms.yml' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
try {
  args = parseCli();
} catch (error) {
  fail((error as Error).message);
}
const { values, positionals } = args;
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1) fail(`--limit must be a positive whole number (got "${values.limit}")`);
const query = positionals.join(' ');

const { indexes, problems } = loadCachedIndexes({
  contentDir: values.content,
  synonymsFile: values.synonyms,
  cacheDir: path.join('node_modules', '.cache', 'kb-search'),
  urlOf: articleUrl,
});
// Search what loads; kb:check is the place that fails on content problems.
if (problems.length > 0) console.error(`${problems.length} content problem(s), affected articles skipped; first: ${formatProblem(problems[0]!)}`);
const lang = toSearchLanguage(values.lang);
const parts = indexes.get(lang);
if (!parts) fail(`no articles with lang "${lang}" in ${values.content} (languages found: ${[...indexes.keys()].join(', ') || 'none'})`);

const results = search(createSearcher(parts.head, parts.body), query, { limit }).map((r, i) => ({
  rank: i + 1,
  slug: urlToSlug(r.url),
  title: r.title,
  score: Number(r.score.toFixed(4)),
  url: r.url,
  category: r.category,
  keywordMatch: r.isKeywordMatch,
}));
if (values.json) {
  console.log(JSON.stringify({ query, lang, results }, null, 2));
} else if (results.length === 0) {
  console.log(`No results for "${query}".`);
} else {
  const width = Math.max(...results.map((r) => r.slug.length));
  for (const r of results) console.log(`${String(r.rank).padStart(2)}  ${r.slug.padEnd(width)}  ${r.score.toFixed(3).padStart(8)}  ${r.title}`);
}
