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
  /**
   * What a fine-grained token was granted on Issues and Contents. `read` refuses every write with 403 while the
   * repository still reports the user's role in `permissions` (GitHub reports the role, not the token's grants).
   * @default the user's permission
   */
  tokenGrants: z.enum(['read', 'write']).optional(),
  /** When the token expires; every answer then carries `github-authentication-token-expiration`. @example "2030-01-31T12:00:00Z" */
  tokenExpiresAt: z.iso.datetime().optional(),
});
export type LocalUserInput = z.input<typeof LocalUserSchema>;
export type LocalUser = z.output<typeof LocalUserSchema> & {
  id: number;
  /** Set for a GitHub App installation's token: the account whose private repositories it reaches (local-host/apps.ts). */
  account?: string;
};

/** An account of the default table: a user without a token (tokens are generated per installation). */
export type LocalAccount = Omit<LocalUserInput, 'token'>;

/**
 * The default accounts: a bot, the repository owner, four staff users, an outsider, a member with write
 * access who comments as CONTRIBUTOR, and a CONTRIBUTOR with read access only. Their tokens are generated
 * on a host's first start (credentials.ts), never fixed.
 */
export const DEFAULT_ACCOUNTS: readonly LocalAccount[] = [
  { login: 'helpdesk-bot', association: 'COLLABORATOR', permission: 'write', scopes: ['repo'] },
  { login: 'local', association: 'OWNER', permission: 'admin', scopes: ['repo', 'admin:org'] },
  { login: 'support-anna', association: 'MEMBER', permission: 'write' },
  { login: 'support-ben', association: 'COLLABORATOR', permission: 'write' },
  // The sample config's escalation chain, so escalations can be assigned on the embedded host.
  { login: 'support-lead', association: 'MEMBER', permission: 'write' },
  { login: 'it-oncall', association: 'MEMBER', permission: 'write' },
  { login: 'random-visitor', association: 'NONE', permission: 'none' },
  // Association and permission differ: GitHub shows members with a private organisation membership as
  // CONTRIBUTOR, though they may have write access; and a reader is not staff whatever their association.
  { login: 'private-member', association: 'CONTRIBUTOR', permission: 'write' },
  { login: 'listed-reader', association: 'CONTRIBUTOR', permission: 'read' },
];

/** The account the site posts as on the embedded host. */
export const LOCAL_BOT_LOGIN = 'helpdesk-bot';

/**
 * The fixed tokens earlier releases shipped in their default table: known to anyone who read the source, so a
 * host never accepts them from its token file (they are replaced by generated ones).
 */
export const PUBLISHED_TOKENS: ReadonlySet<string> = new Set([
  'local-bot-token',
  'local-owner-token',
  'local-staff-anna',
  'local-staff-ben',
  'local-staff-lead',
  'local-staff-it',
  'local-outsider',
  'local-private-member',
  'local-listed-reader',
]);

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
