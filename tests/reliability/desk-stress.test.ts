// Short, bounded forms of the support desk's stress proofs (the full forms: `npm run bench:tickets -- --help`).
// Each scenario runs the real site server as a child process on its own data folder, against the embedded
// issue host in this process behind a proxy enforcing a secondary rate limit. Loopback only.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FaultsInput } from '../../src/local-host/index.ts';
import { buildSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';
import { auditHost, outboxStats, siteServer, startDeskHost, submitMany, waitForDelivery, writeStressConfig, type Ack, type DeskHost, type SecondaryLimit, type SiteServer } from './desk-harness.ts';

const root = path.resolve(mkdtempSync(path.join('tmp', 'reliability-')));
const configFile = writeStressConfig(path.join(root, 'helpdesk.config.json'));
let outDir: string;
const running: Array<{ host: DeskHost; site: SiteServer }> = [];

beforeAll(() => {
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  outDir = build.outDir;
});
afterAll(async () => {
  for (const { host, site } of running) {
    await site.stop();
    await host.close();
  }
  rmSync(root, { recursive: true, force: true });
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

/** A host (behind a limit) and a started site server on a fresh data folder. */
async function deskUnderTest(name: string, limit: SecondaryLimit, faults?: FaultsInput): Promise<{ host: DeskHost; site: SiteServer; dataDir: string }> {
  const dataDir = path.join(root, name);
  const host = await startDeskHost(dataDir, { limit, ...(faults ? { faults } : {}) });
  const site = await siteServer({ outDir, configFile, dataDir });
  running.push({ host, site });
  await site.start();
  return { host, site, dataDir };
}

describe('the support desk under stress', () => {
  it('accepts a burst of 150 tickets against an aggressive secondary rate limit and files each exactly once', { timeout: 150_000 }, async () => {
    // 5 writes a second: below what the embedded host sustains (it commits every write to git, ~10 a second on a
    // quiet machine, fewer on a busy one), so the drainer does meet the limit wherever this runs. With the pauses
    // the limit imposes, the 150 tickets take about 45 s to drain.
    const { host, site } = await deskUnderTest('burst', { max: 5, windowMs: 1000 });
    const result = await submitMany(site.url, 150, { concurrency: 10, deadline: Date.now() + 30_000 });
    expect({ accepted: result.acks.length, refused: result.refused, networkErrors: result.networkErrors }).toEqual({ accepted: 150, refused: 0, networkErrors: 0 });
    const audit = await waitForDelivery(
      host.target,
      result.acks.map((a) => a.ref),
      110_000,
    );
    expect(audit).toEqual({ acknowledged: 150, lost: [], duplicates: [], issues: 150 });
    // The limit was really hit, and the host only ever saw what the proxy let through.
    expect(host.proxy.limited).toBeGreaterThan(0);
  });

  it('loses and duplicates nothing when the server is killed with SIGKILL five times during a burst', { timeout: 90_000 }, async () => {
    // Writes are applied at once but answered 40 ms later: a kill then often catches a create in flight.
    const { host, site, dataDir } = await deskUnderTest('crash', { max: 30, windowMs: 1000 }, { latencyMs: 40, methods: ['POST'] });
    const acks: Ack[] = [];
    const burst = submitMany(site.url, 120, { concurrency: 6, deadline: Date.now() + 60_000, onAck: (a) => acks.push(a) });
    burst.catch(() => undefined);
    const pids = new Set<number | undefined>();
    let inFlightAtKill = 0;
    for (let kill = 0; kill < 5; kill += 1) {
      // A random moment: after 3–15 more acknowledgements, while the drainer is busy with the backlog.
      const after = acks.length + 3 + Math.floor(Math.random() * 13);
      await waitFor(`${after} acknowledged tickets`, () => acks.length >= after || undefined, 30_000);
      pids.add(site.pid());
      await site.kill();
      inFlightAtKill += (await outboxStats(dataDir)).inFlight;
      await site.start();
    }
    const { acks: acknowledged, refused } = await burst;
    expect(pids.size).toBe(5);
    expect(refused).toBe(0);
    expect(acknowledged).toHaveLength(120);
    const audit = await waitForDelivery(
      host.target,
      acknowledged.map((a) => a.ref),
      60_000,
    );
    // Every submission was resent with its draft key until acknowledged: one issue each, acknowledged or not.
    expect(audit).toEqual({ acknowledged: 120, lost: [], duplicates: [], issues: 120 });
    // The kills did catch creates whose outcome the outbox had to look up (the unknown-outcome path).
    expect(inFlightAtKill).toBeGreaterThan(0);
  });

  it('delivers everything after an outage of 5xx answers and then connection resets', { timeout: 90_000 }, async () => {
    const { host, site } = await deskUnderTest('outage', { max: 1000, windowMs: 1000 });
    const faultCount = (fault: RegExp) => host.local.requests.filter((r) => r.fault !== undefined && fault.test(r.fault)).length;
    const before = await submitMany(site.url, 20, { concurrency: 4, deadline: Date.now() + 20_000 });
    // Down: every request answers 502. The desk still accepts every ticket.
    host.local.setFaults({ serverError: { rate: 1, status: 502 } });
    const during = await submitMany(site.url, 20, { concurrency: 4, offset: 20, deadline: Date.now() + 20_000 });
    await waitFor('the drainer to meet the outage', () => faultCount(/^server-error$/) >= 10 || undefined, 30_000);
    // Flaky: writes applied and then answered 502 or cut off, so the outbox cannot know they went through.
    host.local.setFaults({ methods: ['POST'], serverError: { rate: 0.3, afterApply: true }, connectionReset: { rate: 0.3, afterApply: true } });
    const flaky = await submitMany(site.url, 20, { concurrency: 4, offset: 40, deadline: Date.now() + 20_000 });
    await waitFor('applied-then-failed writes', () => faultCount(/after-apply/) >= 4 || undefined, 30_000);
    host.local.setFaults({});
    const acks = [...before.acks, ...during.acks, ...flaky.acks].map((a) => a.ref);
    expect(acks).toHaveLength(60);
    const audit = await waitForDelivery(host.target, acks, 60_000);
    expect(audit).toEqual({ acknowledged: 60, lost: [], duplicates: [], issues: 60 });
    expect(await auditHost(host.target, acks)).toEqual(audit);
  });
});
