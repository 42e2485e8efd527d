// A customer's data over the real pieces: `npm run customer -- export | erase` against a running site and its embedded
// host, and the same from the staff customer page for admins. After the erase, nothing of the person (address, name,
// text, files) is left in the host's git repository (every object, history included), the store's files, the mail
// folder, or what the site's pages and APIs answer; another customer's ticket is untouched.
import { execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { stripVTControlCharacters, promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_EXPORT_FORMAT, type CustomerArchive } from '../../src/staff/privacy.ts';
import { PNG } from '../helpers/files.ts';
import { Page } from '../helpers/html.ts';
import { startStaffSite, type StaffSite } from '../helpers/staff-site.ts';
import { waitFor } from '../helpers/wait.ts';

const exec = promisify(execFile);
let desk: StaffSite;

beforeAll(async () => {
  desk = await startStaffSite('customer-data-', [{ login: 'support-anna', admin: true }, { login: 'support-ben' }], {
    abuse: { ticketsPerIpPerHour: 1000, ticketsPerEmailPerHour: 100, linksPerEmailPer15Min: 10 },
  });
});
afterAll(() => desk?.site.stop());

const repo = { owner: 'local', repo: 'support' };

/** `npm run customer -- <args>` on the site's data folder and config, as an operator runs it beside the server. */
function customerCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(VITEST\w*|TEST|NODE_ENV|DATABASE_URL|STORE_ENGINE)$/.test(name)));
    const child = spawn('npm', ['run', '--silent', 'customer', '--', ...args], {
      env: { ...env, DATA_DIR: desk.dataDir, HELPDESK_CONFIG: desk.configFile, FORCE_COLOR: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stripVTControlCharacters(stdout), stderr: stripVTControlCharacters(stderr) }));
  });
}

/** Every file under a folder, as bytes read as latin1 text (UTF-8 needles are searched as their bytes). */
function filesUnder(dir: string, skip: (file: string) => boolean = () => false): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  for (const name of readdirSync(dir, { recursive: true }) as string[]) {
    const file = path.join(dir, name);
    if (skip(file) || !statSync(file).isFile()) continue;
    out.push({ file, text: readFileSync(file).toString('latin1') });
  }
  return out;
}

/** Where each needle (as UTF-8 bytes, case-insensitively) still occurs. */
function traces(texts: Array<{ file: string; text: string }>, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const { file, text } of texts) {
    const lower = text.toLowerCase();
    for (const needle of needles) if (lower.includes(Buffer.from(needle.toLowerCase(), 'utf8').toString('latin1'))) found.push(`${needle} in ${file}`);
  }
  return found;
}

describe("a customer's data from the command line", () => {
  it('exports every ticket, message and file, then erases the person everywhere the desk kept them', async () => {
    const email = 'erin.erase@example.com';
    const name = 'Erin Erasewell';
    const secrets = ['erin-secret-first-3141', 'erin-secret-second-2718', 'erin-reply-9876'];
    const pngTail = 'erin-png-tail-1618';
    const first = await desk.fileTicket(email, 'Erin first subject', {
      name,
      message: `My first problem: ${secrets[0]}`,
      attachments: new File([PNG, new TextEncoder().encode(pngTail)], 'erin-photo.png', { type: 'image/png' }),
    });
    const second = await desk.fileTicket(email, 'Erin second subject', { name, message: `Another one: ${secrets[1]}` });
    const other = await desk.fileTicket('kim.keep@example.com', 'Kim keeps this', { name: 'Kim Keeper', message: 'kim-stays-4242' });
    const anna = await desk.staff('support-anna');
    expect((await anna.post(`/staff/tickets/${first.number}`, { action: 'reply', text: `Hello ${name}, we are on it.` })).status).toBe(303);
    expect((await second.customer.post(second.ticketPath, { action: 'reply', message: `More detail: ${secrets[2]}` })).status).toBe(303);
    await waitFor('the customer reply on the host', async () =>
      (await desk.host.rest.issues.listComments({ ...repo, issue_number: second.number })).data.some((c) => c.body?.includes(secrets[2] as string)),
    );
    await waitFor('the staff reply on the host', async () => (await desk.host.rest.issues.listComments({ ...repo, issue_number: first.number })).data.some((c) => c.body?.includes(name)));
    await waitFor('mail to the customer', () => desk.mailsTo(email).length > 0);
    await waitFor('the read model rows', () => desk.storeRows('select number from ticket_summaries where number in (?, ?)', first.number, second.number).length === 2);

    // Export: one archive, every ticket whole as the host has it, the file's bytes, the mail.
    const out = path.join(desk.dataDir, '..', 'erin-export.json');
    const exported = await customerCli(['export', email, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const archive = JSON.parse(readFileSync(out, 'utf8')) as CustomerArchive;
    expect(archive).toMatchObject({ format: CUSTOMER_EXPORT_FORMAT, version: 1, customer: { email, names: [name] } });
    expect(archive.tickets.map((t) => t.number)).toEqual([first.number, second.number]);
    for (const ticket of archive.tickets) {
      const { data: issue } = await desk.host.rest.issues.get({ ...repo, issue_number: ticket.number });
      expect(ticket.title).toBe(issue.title);
      expect(issue.body?.endsWith(ticket.body)).toBe(true);
      const { data: comments } = await desk.host.rest.issues.listComments({ ...repo, issue_number: ticket.number });
      expect(ticket.messages.map((m) => m.id)).toEqual(comments.map((c) => c.id));
      for (const message of ticket.messages) expect(comments.find((c) => c.id === message.id)?.body?.endsWith(message.body)).toBe(true);
    }
    expect(archive.tickets[1]?.messages.find((m) => m.body.includes(secrets[2] as string))?.from).toBe('customer');
    expect(archive.tickets[0]?.messages.find((m) => m.body.includes(name))?.from).toBe('staff-public');
    expect(archive.attachments).toHaveLength(1);
    expect(Buffer.from(archive.attachments[0]?.contentBase64 ?? '', 'base64').toString('latin1')).toContain(pngTail);
    expect(archive.mail.some((m) => m.source === 'mail-folder')).toBe(true);
    expect(archive.store['ticket_summaries']?.length).toBe(2);

    // Before the erase, the same searches find them (so the ones after can fail).
    const hostDir = path.join(desk.dataDir, 'local-host');
    const storeFiles = () => filesUnder(desk.dataDir, (f) => f.startsWith(hostDir) || !/helpdesk\.sqlite/.test(f));
    const gitObjects = async () => (await exec('git', ['-C', hostDir, 'cat-file', '--batch-all-objects', '--batch', '--unordered'], { maxBuffer: 256 * 1024 * 1024, encoding: 'latin1' })).stdout;
    expect(traces(storeFiles(), [email]).length).toBeGreaterThan(0);
    expect(traces([{ file: 'git objects', text: await gitObjects() }], [name, pngTail, secrets[0] as string]).length).toBe(3);
    expect(traces(filesUnder(path.join(desk.dataDir, 'mail')), [email]).length).toBeGreaterThan(0);

    const kimMails = await waitFor('mail to the other customer', () => desk.mailsTo('kim.keep@example.com').length || undefined);

    // Erase, and what it says it did.
    const erased = await customerCli(['erase', email]);
    expect(erased.code, erased.stderr).toBe(0);
    expect(erased.stdout).toContain(`tickets: #${first.number}, #${second.number}`);
    expect(erased.stdout).not.toContain('NOT redacted');
    expect(erased.stdout).toMatch(/attachments removed \(the attachments branch rewritten\): 1/);
    expect(erased.stdout).toMatch(/mail files removed: [1-9]/);

    const needles = [email, name, ...secrets, pngTail, 'erin-photo', 'Erin first subject', 'Erin second subject'];
    // The embedded host's git repository: every object (all branches, all history, unreachable ones too) and its files.
    const objects = await gitObjects();
    const { stdout: log } = await exec('git', ['-C', hostDir, 'log', '--all', '--format=%B'], { maxBuffer: 64 * 1024 * 1024 });
    expect(traces([{ file: 'git objects', text: objects }, { file: 'git log', text: log }, ...filesUnder(hostDir, (f) => f.includes(`${path.sep}.git${path.sep}objects`))], needles)).toEqual([]);
    // The store's files (the database, its write-ahead log) and the mail folder.
    expect(traces(storeFiles(), needles)).toEqual([]);
    expect(traces(filesUnder(path.join(desk.dataDir, 'mail')), needles)).toEqual([]);
    // What the site answers: the staff pages and the customer's own pages and API.
    const pages = [`/staff/tickets/${first.number}`, `/staff/tickets/${second.number}`, '/staff', '/staff/customers', `/staff/customers?search=${encodeURIComponent('erin')}`];
    for (const page of pages) expect(traces([{ file: page, text: Buffer.from(await (await anna.fetch(page)).text()).toString('latin1') }], needles)).toEqual([]);
    for (const ticketPath of [first.ticketPath, second.ticketPath]) {
      const text = await (await first.customer.fetch(ticketPath)).text();
      const api = await (await first.customer.fetch(`/api${ticketPath}`)).text();
      expect(traces([{ file: ticketPath, text: Buffer.from(text + api).toString('latin1') }], needles)).toEqual([]);
    }

    // Someone else's ticket is whole; the audit log says what was done, without the person.
    const { data: kept } = await desk.host.rest.issues.get({ ...repo, issue_number: other.number });
    expect(kept.title).toBe('Kim keeps this');
    expect(kept.body).toContain('kim-stays-4242');
    expect(desk.mailsTo('kim.keep@example.com').length).toBeGreaterThanOrEqual(kimMails);
    const audit = desk.storeRows<{ actor: string; action: string; target: string; detail: string }>('select actor, action, target, detail from audit_log order by seq');
    expect(audit.map((a) => a.action)).toEqual(['export-customer', 'erase-customer']);
    expect(audit[0]?.actor).toMatch(/^cli:/);
    expect(traces([{ file: 'audit', text: JSON.stringify(audit) }], needles)).toEqual([]);
    // The operator reads the same log in the terminal, newest first.
    const printed = await customerCli(['audit']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(
      printed.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('  ')[2]),
    ).toEqual(['erase-customer', 'export-customer']);
    expect(traces([{ file: 'audit output', text: printed.stdout }], needles)).toEqual([]);
  });
});

describe("a customer's data from the staff customer page", () => {
  it('is for admins only; an admin exports it as JSON and erases it', async () => {
    const email = 'fay.page@example.com';
    const { number } = await desk.fileTicket(email, 'Fay asks', { name: 'Fay Pagely', message: 'fay-text-1234' });
    const [row] = await waitFor('the read model row', () => {
      const rows = desk.storeRows<{ customer_id: string }>('select customer_id from ticket_summaries where number = ?', number);
      return rows.length === 1 ? rows : undefined;
    });
    const page = `/staff/customers/${encodeURIComponent(row?.customer_id ?? '')}`;
    const ben = await desk.staff('support-ben');
    const refused = await ben.post(page, { action: 'erase', email, confirm: 'yes' });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain('Only admins');
    // Exporting is an admin's too: a supporter forging the form gets the reason, not the archive.
    const forged = await ben.post(page, { action: 'export', email });
    expect(forged.status).toBe(403);
    const forgedText = await forged.text();
    expect(forgedText).toContain('Only admins');
    expect(forgedText).not.toContain('fay-text-1234');

    const anna = await desk.staff('support-anna');
    // A body past the staff form's limit is refused while it is read; nothing is erased.
    const oversized = await anna.post(page, { action: 'erase', email, confirm: 'yes', note: 'x'.repeat(2 * 1024 * 1024) });
    expect(oversized.status).toBe(413);
    expect((await desk.host.rest.issues.get({ ...repo, issue_number: number })).data.title).toBe('Fay asks');
    const wrong = await anna.post(page, { action: 'export', email: 'someone.else@example.com' });
    expect(wrong.status).toBe(400);
    const exported = await anna.post(page, { action: 'export', email });
    expect(exported.status).toBe(200);
    expect(exported.headers.get('content-disposition')).toContain('attachment');
    const archive = (await exported.json()) as CustomerArchive;
    expect(archive.tickets.map((t) => t.number)).toEqual([number]);
    expect(archive.tickets[0]?.body).toContain('fay-text-1234');

    const erased = await anna.post(page, { action: 'erase', email, confirm: 'yes' });
    expect(erased.status).toBe(303);
    expect(new Page(await (await anna.fetch(erased.headers.get('location') as string)).text()).text('[data-erased]')).toContain('1 ticket(s) redacted');
    const { data: issue } = await desk.host.rest.issues.get({ ...repo, issue_number: number });
    expect(issue.body).not.toContain('fay-text-1234');
    expect(issue.title).toBe('[removed]');
    expect((await anna.fetch(page)).status).toBe(404);
    expect(desk.storeRows<{ actor: string }>("select actor from audit_log where action = 'erase-customer'").map((r) => r.actor)).toContain('support-anna');
  });
});
