// Knowledgebase insights in the terminal: `npm run kb:insights [-- --days N] [--json]`. The same figures as the
// staff page "Knowledgebase insights", read from the state store the server writes (DATA_DIR or DATABASE_URL).
import { parseArgs } from 'node:util';
import { createInsights, type QueryRow } from '../src/insights/insights.ts';
import { articleRefs, loadKnowledgebase } from '../src/server/knowledgebase.ts';
import { loadEnv } from '../src/server/env.ts';
import { openDatabase } from '../src/store/database.ts';

const usage = 'usage: npm run kb:insights [-- --days N] [--json]   (article votes and anonymous search counts of the last N days, default 30)';
const { values } = parseArgs({ options: { days: { type: 'string', default: '30' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const days = Number(values.days);
if (!Number.isInteger(days) || days < 1 || days > 366) {
  console.error(`kb:insights: --days must be a whole number from 1 to 366, not "${values.days}"\n${usage}`);
  process.exit(2);
}

const { config } = loadKnowledgebase();
const env = loadEnv();
const database = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL });
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const range = { from: dayOf(Date.now() - (days - 1) * 86_400_000), to: dayOf(Date.now()) };
const report = await createInsights({ database, config, articles: articleRefs })
  .report(range)
  .finally(() => database.close());

if (values.json) {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
} else {
  const percent = (part: number, whole: number) => (whole === 0 ? '—' : `${Math.round((part / whole) * 100)} %`);
  const { searches, votes } = report;
  console.log(`Knowledgebase insights ${range.from} … ${range.to} (${database.description})${config.features.insights ? '' : ' — features.insights is off: nothing new is collected'}\n`);
  console.log(`searches ${searches.searches}: without results ${searches.noResults} (${percent(searches.noResults, searches.searches)}), 1–2 results ${searches.fewResults}`);
  console.log(`tickets opened after a search ${searches.tickets}; left out as personal-looking ${searches.filtered}; over the daily cap ${searches.overCap}`);
  console.log(`article votes: ${votes.yes} helpful, ${votes.no} not helpful (${percent(votes.yes, votes.yes + votes.no)} helpful)\n`);
  const table = (title: string, rows: object[]) => {
    console.log(title);
    if (rows.length === 0) console.log('  (none)\n');
    else console.table(rows);
  };
  const queries = (rows: QueryRow[]) =>
    rows.slice(0, 20).map((q) => ({
      query: q.query,
      lang: q.lang,
      searches: q.searches,
      'no results': q.noResults,
      '1–2 results': q.fewResults,
      tickets: q.tickets,
      issue: q.request?.issueNumber === undefined ? '' : `#${q.request.issueNumber}`,
    }));
  table('searches without results', queries(report.noResults));
  table('searches followed by a ticket', queries(report.ticketsAfterSearch));
  table('searches with only one or two results', queries(report.fewResults));
  table('top searches', queries(report.topQueries));
  table(
    'articles by helpfulness (least helpful first)',
    report.articles.slice(0, 30).map((a) => ({ article: a.slug, yes: a.yes, no: a.no, helpful: percent(a.yes, a.yes + a.no), comments: a.comments })),
  );
  console.log('recent comments');
  if (report.comments.length === 0) console.log('  (none)');
  // Customer text: one line each, control characters were removed when it was received.
  for (const c of report.comments.slice(0, 20)) console.log(`  ${c.at.slice(0, 10)}  ${c.slug}  ${c.helpful ? 'helpful' : 'not helpful'}: ${c.comment.replace(/\s+/g, ' ')}`);
}
