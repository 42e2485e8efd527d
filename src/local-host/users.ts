import { z } from 'zod';

/** One account of the local host, identified by its token. */
export const LocalUserSchema = z.strictObject({
  /** Login shown as the author. @example "helpdesk-bot" */
  login: z.string().regex(/^[A-Za-z0-9-]+(\[bot\])?$/),
  /** The token that authenticates as this user (sent as `Authorization: token …`). */
  token: z.string().min(8),
  /** How the user relates to every repository, as GitHub reports it on issues and comments. @default "NONE" */
  association: z.enum(['OWNER', 'MEMBER', 'COLLABORATOR', 'CONTRIBUTOR', 'NONE']).default('NONE'),
  /** Repository permission: none can still read and comment on public repositories. @default "none" */
  permission: z.enum(['admin', 'maintain', 'write', 'triage', 'read', 'none']).default('none'),
  /** Classic token scopes sent as `X-OAuth-Scopes`; unset behaves like a fine-grained token (no header). */
  scopes: z.array(z.string()).optional(),
  /** Account type. @default "User" */
  type: z.enum(['User', 'Bot', 'Organization']).default('User'),
});
export type LocalUserInput = z.input<typeof LocalUserSchema>;
export type LocalUser = z.output<typeof LocalUserSchema> & { id: number };

/**
 * The default token table: a bot, the repository owner, four staff users, an outsider, a member with write
 * access who comments as CONTRIBUTOR, and a CONTRIBUTOR with read access only.
 */
export const DEFAULT_USERS: LocalUserInput[] = [
  { login: 'helpdesk-bot', token: 'local-bot-token', association: 'COLLABORATOR', permission: 'write', scopes: ['repo'] },
  { login: 'local', token: 'local-owner-token', association: 'OWNER', permission: 'admin', scopes: ['repo', 'admin:org'] },
  { login: 'support-anna', token: 'local-staff-anna', association: 'MEMBER', permission: 'write' },
  { login: 'support-ben', token: 'local-staff-ben', association: 'COLLABORATOR', permission: 'write' },
  // The sample config's escalation chain, so escalations can be assigned on the embedded host.
  { login: 'support-lead', token: 'local-staff-lead', association: 'MEMBER', permission: 'write' },
  { login: 'it-oncall', token: 'local-staff-it', association: 'MEMBER', permission: 'write' },
  { login: 'random-visitor', token: 'local-outsider', association: 'NONE', permission: 'none' },
  // Association and permission differ: GitHub shows members with a private organisation membership as
  // CONTRIBUTOR, though they may have write access; and a reader is not staff whatever their association.
  { login: 'private-member', token: 'local-private-member', association: 'CONTRIBUTOR', permission: 'write' },
  { login: 'listed-reader', token: 'local-listed-reader', association: 'CONTRIBUTOR', permission: 'read' },
];

/** The default bot token; what the adapter uses when no Git host is configured. */
export const DEFAULT_BOT_TOKEN = 'local-bot-token';

const RANK = { none: 0, read: 1, triage: 2, write: 3, maintain: 4, admin: 5 } as const;
type Permission = keyof typeof RANK;

/** Whether a user holds at least the given permission. */
export function hasPermission(user: Pick<LocalUser, 'permission'>, needed: Permission): boolean {
  return RANK[user.permission] >= RANK[needed];
}

/** Validates a token table; ids are stable from the position in the table. */
export function parseUsers(input: unknown): LocalUser[] {
  const users = z.array(LocalUserSchema).parse(input);
  return users.map((u, i) => ({ ...u, id: 1000 + i }));
}
