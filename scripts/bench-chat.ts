// Chat latency: from a staff answer written on the Git host (a `/reply` comment through its API, as GitHub's UI
// would) to the visitor's screen — the webhook, the workflow's sync, the change feed, the event stream and the
// widget's DOM — in a real Chromium on the embedded host. Loopback only, bounded by --messages.
//   npm run bench:chat                      30 answers: median, p95 and max in ms
//   npm run bench:chat -- --messages 10     fewer (the CI run)
// Writes bench/chat-latest.json.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Octokit } from 'octokit';
import { findRunningLocalHost } from '../src/local-host/index.ts';
import { launchBrowser } from '../tests/helpers/browser.ts';
import { hostTokens } from '../tests/helpers/local-host.ts';
import { buildSite, serveSite } from '../tests/helpers/site.ts';

const USAGE = `Usage: npm run bench:chat [-- --messages N]

Chat latency from a staff answer written on the Git host to the visitor's screen, in Chromium on the embedded host:
median, p95 and max over N answers (default 30, at most 500). Writes bench/chat-latest.json.`;

const { values } = parseArgs({ options: { messages: { type: 'string', default: '30' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const messages = Number(values.messages);
if (!Number.isInteger(messages) || messages < 1 || messages > 500) throw new Error('--messages must be a whole number from 1 to 500');

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const root = mkdtempSync(path.resolve(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'bench-chat-'));
const configFile = path.join(root, 'helpdesk.config.json');
writeFileSync(configFile, readFileSync('helpdesk.config.json'));
const build = buildSite({ configFile });
if (build.status !== 0) throw new Error(`build failed:\n${build.output}`);
const dataDir = path.join(root, 'data');
const site = await serveSite(build.outDir, { configFile }, { DATA_DIR: dataDir });
const browser = await launchBrowser();
try {
  // The desk starts (and with it the embedded issue host) on its first request.
  await fetch(`${site.url}/tickets/new`);
  // A person commenting in the issue UI: no client-side pacing between writes (Octokit's throttling spaces
  // comments three seconds apart, which would be measured as latency).
  const host = new Octokit({
    baseUrl: findRunningLocalHost(path.join(dataDir, 'local-host')) as string,
    auth: hostTokens(path.join(dataDir, 'local-host')).of('support-anna'),
    throttle: { enabled: false },
  });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${site.url}/articles/headlamp-not-turning-on/`);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  await page.getByLabel('Your email address').fill('latency@example.com');
  await page.locator('#chat-first').fill('How fast do your answers reach me?');
  await page.getByRole('button', { name: 'Send' }).first().click();
  // When each message appears, by the page's clock (the same machine's as this script's).
  await page.evaluate(() => {
    const seen: Record<string, number> = {};
    (window as unknown as { seen: Record<string, number> }).seen = seen;
    new MutationObserver(() => {
      for (const body of document.querySelectorAll('[data-chat-log] .chat-body')) {
        const text = body.textContent?.trim() ?? '';
        if (!(text in seen)) seen[text] = Date.now();
      }
    }).observe(document.querySelector('[data-chat-log]') as Node, { childList: true, subtree: true });
  });
  const issue = await until('the conversation on the host', async () => {
    const { data } = await host.rest.issues.listForRepo({ owner: 'local', repo: 'support', labels: 'channel: chat', state: 'open' });
    return data[0];
  });
  const latencies: number[] = [];
  for (let i = 1; i <= messages; i += 1) {
    const text = `Answer number ${i}.`;
    const sentAt = Date.now();
    await host.rest.issues.createComment({ owner: 'local', repo: 'support', issue_number: issue.number, body: `/reply ${text}` });
    const shownAt = await until(`answer ${i} on the visitor's screen`, async () => (await page.evaluate((t) => (window as unknown as { seen: Record<string, number> }).seen[t], text)) ?? undefined);
    latencies.push(shownAt - sentAt);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  const result = { messages, medianMs: percentile(sorted, 50), p95Ms: percentile(sorted, 95), maxMs: sorted.at(-1), at: new Date().toISOString() };
  console.log(`chat latency, Git host comment → visitor's screen, ${messages} answers: median ${result.medianMs} ms, p95 ${result.p95Ms} ms, max ${result.maxMs} ms`);
  mkdirSync('bench', { recursive: true });
  writeFileSync('bench/chat-latest.json', `${JSON.stringify(result, null, 2)}\n`);
} finally {
  await browser.close();
  await site.stop();
}
