import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openOutbox } from '../../../src/outbox/index.ts';
import { freshStore } from '../../helpers/store.ts';
import { startTestHost, TOKENS, waitFor } from '../../helpers/local-host.ts';

const child = join(import.meta.dirname, 'fixtures', 'outbox-child.ts');
const quiet = { warn: () => {}, info: () => {} };
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** Spawns the child and collects the refs it acknowledged. */
function spawnChild(args: string[]): { proc: ChildProcess; acks: string[]; exited: Promise<NodeJS.Signals | null> } {
  const proc = spawn(process.execPath, [child, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const acks: string[] = [];
  let buffer = '';
  proc.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('ACK ')) acks.push(line.slice(4));
  });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('exit', (_code, signal) => resolve(signal)));
  return { proc, acks, exited };
}

/** A fresh store, removed at the end; the child gets its folder and URL. */
async function storeForChild() {
  const store = await freshStore();
  cleanups.push(() => store.remove());
  return { store, args: [store.dataDir, store.databaseUrl ?? '-'] };
}

describe('outbox durability', () => {
  it('keeps every acknowledged entry when the process is killed with SIGKILL mid-write', async () => {
    const { store, args } = await storeForChild();
    const { proc, acks, exited } = spawnChild(['journal', ...args]);
    await waitFor(() => acks.length >= 40, { timeoutMs: 20_000 });
    proc.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const acknowledged = [...acks];
    const outbox = await openOutbox({ database: store.database, log: quiet });
    const queued = new Set((await outbox.list()).map((s) => s.entry.ticket));
    for (const ref of acknowledged) expect(queued.has(ref), ref).toBe(true);
    // Every view of a queued ticket shows its content.
    const view = await outbox.readTicket(acknowledged[0] as string);
    expect(view).toMatchObject({ status: 'queued', title: 'Ticket 0', labels: ['status: new'] });
    // The store takes writes after the kill.
    const { ref } = await outbox.createTicket({ title: 'after crash', body: 'x', labels: [] });
    await outbox.close();
    const reopened = await store.open();
    const again = await openOutbox({ database: reopened, log: quiet });
    expect((await again.readTicket(ref))?.status).toBe('queued');
    await again.close();
    await reopened.close();
  });

  it('makes no duplicate when the process dies between the host creating the issue and the outbox recording it', async () => {
    const t = await startTestHost();
    cleanups.push(() => t.stop());
    const { store, args } = await storeForChild();
    // The host applies the create at once but answers only after 30 s: the child dies waiting.
    t.local.setFaults({ latencyMs: 30_000, methods: ['POST'] });
    const { proc, acks, exited } = spawnChild(['drain', ...args, t.local.url]);
    const created = await waitFor(
      async () => {
        const list = await t.raw(TOKENS.owner, 'GET', '/repos/local/support/issues?state=all');
        return list.body.length > 0 ? list.body : undefined;
      },
      { timeoutMs: 20_000 },
    );
    proc.kill('SIGKILL');
    await exited;
    expect(created).toHaveLength(1);
    expect(acks).toHaveLength(1);
    t.local.setFaults({});

    const host = t.adapter();
    let creates = 0;
    host.octokit.hook.before('request', (options) => {
      if (options.method === 'POST') creates += 1;
    });
    const outbox = await openOutbox({ database: store.database, host, backoff: { baseMs: 10, maxMs: 50 }, log: quiet });
    const [entry] = await outbox.list();
    expect(entry).toMatchObject({ attempts: 1, lease: expect.anything() });
    // The dead process's lease runs out (it renewed it while alive); then this process takes the entry over.
    await waitFor(async () => (await outbox.drainOnce()) > 0);
    expect(await outbox.resolve(acks[0] as string)).toBe(created[0].number);
    const all = await t.raw(TOKENS.owner, 'GET', '/repos/local/support/issues?state=all');
    expect(all.body).toHaveLength(1);
    expect(creates).toBe(0);
    await outbox.close();
  });
});
