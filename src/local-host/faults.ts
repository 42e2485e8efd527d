import { z } from 'zod';

/** How often a fault fires: a share of matching requests, and/or the next `count` matching requests. */
const TriggerSchema = z.strictObject({
  /** Share of matching requests (0 to 1) that get the fault. @default 0 */
  rate: z.number().min(0).max(1).optional(),
  /** The next this-many matching requests get the fault (counts down). @default 0 */
  count: z.number().int().min(0).optional(),
});

/** How one repository presents itself; see `repositories` below. */
export const RepositorySwitchesSchema = z.strictObject({
  /** Issues turned off in the repository's settings: `has_issues` is false and every issue request answers 410. */
  issuesDisabled: z.boolean().optional(),
  /** Archived: `archived` is true and every write answers 403 "Repository was archived so is read-only." */
  archived: z.boolean().optional(),
  /** Reported visibility; `internal` (GitHub Enterprise) also reports `private: true`, as GitHub does. @example "internal" */
  visibility: z.enum(['public', 'private', 'internal']).optional(),
  /**
   * The repository was renamed or transferred: answers carry this `full_name` (GitHub redirects the old name to
   * the repository, so requests by the old name still work). @example "acme/help-desk"
   */
  fullName: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/)
    .optional(),
  /** The owner enforces SAML single sign-on and no token is authorised for it: every request answers 403 with `X-GitHub-SSO`. */
  ssoRequired: z.boolean().optional(),
});
export type RepositorySwitches = z.output<typeof RepositorySwitchesSchema>;

/** Fault injection switches, settable at runtime (handle.setFaults or `PUT /_admin/faults`). */
export const FaultsSchema = z.strictObject({
  /** Milliseconds added before each answer (after a write is applied, so a client can die waiting). @default 0 */
  latencyMs: z.number().int().min(0).optional(),
  /** Only requests with these methods are subject to the faults below (latency included). @example ["POST"] */
  methods: z.array(z.string()).optional(),
  /** Answer 5xx. With `afterApply`, writes are applied first, so the client cannot know the outcome. */
  serverError: TriggerSchema.extend({ status: z.number().int().min(500).max(599).optional(), afterApply: z.boolean().optional() }).optional(),
  /**
   * Secondary rate limit: 403 or 429 with GitHub's message and `retry-after` (seconds, @default 1); `retryAfter: null`
   * sends none, as GitHub sometimes does (clients should then wait at least a minute).
   */
  secondaryRateLimit: TriggerSchema.extend({ status: z.union([z.literal(403), z.literal(429)]).optional(), retryAfter: z.number().int().min(0).nullable().optional() }).optional(),
  /** Primary rate limit: 403 with `x-ratelimit-remaining: 0` and a reset this many seconds away. */
  primaryRateLimit: TriggerSchema.extend({ resetAfter: z.number().int().min(0).optional() }).optional(),
  /** Destroy the connection without an answer; with `afterApply`, after applying the write. */
  connectionReset: TriggerSchema.extend({ afterApply: z.boolean().optional() }).optional(),
  /**
   * Repository settings and organisation policies a site owner can get wrong, per repository (`owner/name` as
   * served). States, not faults: they hold for every request until switched off, whatever `methods` says.
   * @example { "local/support": { "archived": true } }
   */
  repositories: z.record(z.string(), RepositorySwitchesSchema).optional(),
  /**
   * Bodies written (issues and comments, created or edited) are stored with CRLF line breaks, as GitHub stores text
   * typed in its web UI; `logins` limits it to those users (people in a browser). Not subject to `methods`.
   */
  webUiLineEndings: z.strictObject({ logins: z.array(z.string()).optional() }).optional(),
  /**
   * Issues deleted (by number, in every repository served): every request about one answers 410 "This issue was
   * deleted" and lists leave it out, as on GitHub. A state, not subject to `methods`. @example [3]
   */
  deletedIssues: z.array(z.number().int().positive()).optional(),
  /**
   * Issues transferred from `from` (@default every repository served) to `to` (as served; it may be the same one, as
   * after a rename): every request about one answers 301 to `/repositories/<id of to>/issues/<toNumber>`, and lists
   * leave it out. Not subject to `methods`. @example [{ "from": "local/support", "number": 4, "to": "local/other", "toNumber": 1 }]
   */
  transferredIssues: z.array(z.strictObject({ from: z.string().optional(), number: z.number().int().positive(), to: z.string(), toNumber: z.number().int().positive() })).optional(),
  /**
   * Contents writes (PUT …/contents/…) that lose a race: 409 "is at <sha> but expected <sha>", as GitHub answers
   * concurrent commits to one branch. `concurrent: true` answers so each one that arrives while another contents
   * write to the repository is in progress (with `latencyMs`, writes overlap); `count`/`rate` as elsewhere.
   */
  contentsConflict: TriggerSchema.extend({ concurrent: z.boolean().optional() }).optional(),
  /**
   * Issue lists and comment lists leave out what was created less than this many milliseconds ago, as a list read
   * from a replica can lag a write (reads of one issue are not affected). A state, not subject to `methods`. @example 2000
   */
  listLagMs: z.number().int().min(0).optional(),
});
export type Faults = z.output<typeof FaultsSchema>;
export type FaultsInput = z.input<typeof FaultsSchema>;

type Trigger = z.output<typeof TriggerSchema>;

/** Decides, and counts down, whether a trigger fires for this request. */
export function fires(trigger: Trigger | undefined, random: () => number = Math.random): boolean {
  if (!trigger) return false;
  if (trigger.count !== undefined && trigger.count > 0) {
    trigger.count -= 1;
    return true;
  }
  return trigger.rate !== undefined && trigger.rate > 0 && random() < trigger.rate;
}

/** Whether the faults apply to this method at all. */
export function appliesTo(faults: Faults, method: string): boolean {
  return !faults.methods || faults.methods.map((m) => m.toUpperCase()).includes(method.toUpperCase());
}
