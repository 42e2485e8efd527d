// Staff sessions end with their reason (issue 14, item 8), on the running server, without a restart: removing a
// staff account from the config file or changing its password ends its sessions at the next request; supporters
// follow the file too; a broken file keeps the last good accounts and the log names the key.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../src/config/config-schema.ts';
import { hashPassword } from '../../src/staff/passwords.ts';
import { Page } from '../helpers/html.ts';
import { SiteClient } from '../helpers/http-client.ts';
import { buildSite, serveSite, type RunningSite } from '../helpers/site.ts';
import { waitFor } from '../helpers/wait.ts';

const root = path.resolve(mkdtempSync(path.join(mkdirSync('tmp', { recursive: true }) ?? 'tmp', 'staff-sessions-')));
const configFile = path.join(root, 'helpdesk.config.json');
const shipped = JSON.parse(readFileSync('helpdesk.config.json', 'utf8')) as ConfigInput;
const PASSWORDS = { 'support-anna': 'anna staff sessions password', 'support-ben': 'ben staff sessions password', 'support-carla': 'carla staff sessions password' };
type Login = keyof typeof PASSWORDS;

let site: RunningSite;
const hashes = {} as Record<Login, string>;

/** The config file each test starts from: the shipped config with three staff accounts. */
function writeStartingConfig(): void {
  writeFileSync(configFile, JSON.stringify({ ...shipped, staffAccounts: accounts('support-anna', 'support-ben', 'support-carla') }, null, 2));
}

/** Rewrites the config file the running server was started with. */
function writeConfig(change: (config: ConfigInput) => ConfigInput): void {
  const current = JSON.parse(readFileSync(configFile, 'utf8')) as ConfigInput;
  writeFileSync(configFile, `${JSON.stringify(change(current), null, 2)}\n`);
}

function accounts(...logins: Login[]): { login: string; passwordHash: string }[] {
  return logins.map((login) => ({ login, passwordHash: hashes[login] }));
}

/** Signs in on the form. The server allows 10 attempts per address in 15 minutes: the tests stay within them. */
async function signIn(login: Login, password: string = PASSWORDS[login]): Promise<{ client: SiteClient; status: number }> {
  const client = new SiteClient(site.url);
  const response = await client.post('/staff/signin', { login, password });
  return { client, status: response.status };
}

/** What a session meets on the queue page: 200, or a redirect to sign in. */
async function queuePage(client: SiteClient): Promise<{ status: number; location: string | null }> {
  const queue = await client.fetch('/staff');
  return { status: queue.status, location: queue.headers.get('location') };
}

const SIGNED_IN = { status: 200, location: null };
const SENT_TO_SIGN_IN = { status: 303, location: '/staff/signin?next=%2Fstaff' };

/** Whether a workspace action is refused for want of a staff session (401) rather than taken up. */
async function actionRefused(client: SiteClient): Promise<boolean> {
  const response = await client.post('/staff/tickets/1', { action: 'note', text: 'still here?' });
  return response.status === 401 && (await response.json()).error.code === 'not_signed_in';
}

beforeAll(async () => {
  for (const login of Object.keys(PASSWORDS) as Login[]) hashes[login] = await hashPassword(PASSWORDS[login]);
  writeStartingConfig();
  const build = buildSite({ configFile });
  expect(build.status, build.output).toBe(0);
  site = await serveSite(build.outDir, { configFile }, { DATA_DIR: path.join(root, 'data') });
});
beforeEach(writeStartingConfig);
afterAll(() => site?.stop());

describe('a staff session', () => {
  it('ends at the next request once its account is removed from the config file, and no other session does', async () => {
    const anna = await signIn('support-anna');
    const ben = await signIn('support-ben');
    expect([anna.status, ben.status]).toEqual([303, 303]);
    expect(await queuePage(anna.client)).toEqual(SIGNED_IN);

    writeConfig((config) => ({ ...config, staffAccounts: accounts('support-ben', 'support-carla') }));
    expect(await queuePage(anna.client)).toEqual(SENT_TO_SIGN_IN);
    expect(await actionRefused(anna.client)).toBe(true);
    expect((await signIn('support-anna')).status).toBe(401);
    expect(await queuePage(ben.client)).toEqual(SIGNED_IN);

    // Put back with its hash as it was: the account, and so its sessions, are back too.
    writeConfig((config) => ({ ...config, staffAccounts: accounts('support-anna', 'support-ben') }));
    expect(await queuePage(anna.client)).toEqual(SIGNED_IN);
  });

  it('ends once its password is changed with `npm run staff:add`, and only the new password signs in', async () => {
    const ben = await signIn('support-ben');
    expect(await queuePage(ben.client)).toEqual(SIGNED_IN);

    const newPassword = 'ben changed his password';
    const run = spawnSync('npm', ['run', '--silent', 'staff:add', '--', 'support-ben'], { input: `${newPassword}\n`, env: { ...process.env, HELPDESK_CONFIG: configFile }, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(await queuePage(ben.client)).toEqual(SENT_TO_SIGN_IN);
    expect(await actionRefused(ben.client)).toBe(true);
    expect((await signIn('support-ben')).status).toBe(401);
    const again = await signIn('support-ben', newPassword);
    expect(again.status).toBe(303);
    expect(await queuePage(again.client)).toEqual(SIGNED_IN);
  });

  it('ends when the same password is hashed anew (the account was reset)', async () => {
    const carla = await signIn('support-carla');
    expect(await queuePage(carla.client)).toEqual(SIGNED_IN);
    const rehashed = await hashPassword(PASSWORDS['support-carla']);
    writeConfig((config) => ({ ...config, staffAccounts: [...accounts('support-anna', 'support-ben'), { login: 'support-carla', passwordHash: rehashed }] }));
    expect(await queuePage(carla.client)).toEqual(SENT_TO_SIGN_IN);
  });
});

describe('a broken config file', () => {
  it('keeps the staff accounts the server had, and the log names the file and the key, never the value', async () => {
    const ben = await signIn('support-ben');
    expect(ben.status).toBe(303);
    writeConfig((config) => ({ ...config, staffAccounts: [{ login: 'support-ben', passwordHash: 'a plain password typed in' }] }));
    expect(await queuePage(ben.client)).toEqual(SIGNED_IN);
    const logged = await waitFor('the log to name the broken key', () => /.*staffAccounts\.0\.passwordHash: must be a hash written by `npm run staff:add`.*/.exec(site.output())?.[0]);
    expect(logged).toContain(configFile);
    expect(site.output()).toContain('keeps the staff accounts and supporters it had');
    expect(site.output()).not.toContain('a plain password typed in');

    // Not JSON at all, or gone: the same.
    writeFileSync(configFile, '{ "staffAccounts": [ ');
    expect(await queuePage(ben.client)).toEqual(SIGNED_IN);
    await waitFor('the log to say the file is not JSON', () => site.output().includes(`${configFile}: not valid JSON`));
    rmSync(configFile);
    expect(await queuePage(ben.client)).toEqual(SIGNED_IN);
    await waitFor('the log to say the file cannot be read', () => site.output().includes(`cannot read ${configFile}`));

    // Fixed: the file counts again, here without Ben.
    writeFileSync(configFile, JSON.stringify({ ...shipped, staffAccounts: accounts('support-anna') }, null, 2));
    expect(await queuePage(ben.client)).toEqual(SENT_TO_SIGN_IN);
  });
});

describe('supporters', () => {
  it('follow the config file: a new supporter is offered on the queue page, and nobody present stops new tickets', async () => {
    const anna = await signIn('support-anna');
    expect(anna.status).toBe(303);
    const assignees = async () => new Page(await (await anna.client.fetch('/staff')).text()).all('select[name="assignee"] option').map((o) => String(o.properties['value']));
    expect(await assignees()).toEqual(['all', 'me', 'pool', 'support-anna', 'support-ben']);
    writeConfig((config) => ({ ...config, supporters: [...(config.supporters ?? []), { login: 'support-dora', displayName: 'Dora from Support' }] }));
    expect(await assignees()).toEqual(['all', 'me', 'pool', 'support-anna', 'support-ben', 'support-dora']);

    const form = async () => new Page(await (await fetch(`${site.url}/tickets/new`)).text());
    expect((await form()).one('form textarea[name="message"]')).toBeDefined();
    writeConfig((config) => ({ ...config, supporters: (config.supporters ?? []).map((s) => ({ ...s, present: false })) }));
    expect((await form()).text('[role="status"]')).toContain('Our support team is away right now');
    expect((await form()).one('form textarea[name="message"]')).toBeUndefined();
    writeConfig((config) => ({ ...config, supporters: (config.supporters ?? []).map((s) => ({ ...s, present: true })) }));
    expect((await form()).one('form textarea[name="message"]')).toBeDefined();
    await waitFor('the log to say what it took up', () => site.output().includes(`helpdesk: ${configFile} changed: now using its supporters.`));
  });

  it('change on the running server, while a key it cannot take up is logged as needing a restart', async () => {
    writeConfig((config) => ({ ...config, siteName: 'Renamed Help Centre' }));
    expect((await fetch(`${site.url}/tickets/new`)).status).toBe(200);
    await waitFor('the log to ask for a restart', () => site.output().includes(`helpdesk: ${configFile} changed siteName: restart the server to use the new values.`));
  });
});
