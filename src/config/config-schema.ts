import { z } from 'zod';

/** A language code the knowledgebase has a search index and stemmer for. */
export const LanguageSchema = z.enum(['en', 'de']);
export type Language = z.output<typeof LanguageSchema>;

const CategorySchema = z.strictObject({
  /** Identifier used in front matter (`category: shipping`), URLs and the `category: <id>` label. @example "shipping" */
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'use lowercase letters, digits and dashes, e.g. "shipping"'),
  /** Display name per language; English is the fallback. @example { "en": "Shipping", "de": "Versand" } */
  title: z.partialRecord(LanguageSchema, z.string().min(1)).refine((t) => t.en !== undefined, 'needs an "en" title'),
  /** One line shown under the category on the home page. @default "" */
  description: z.partialRecord(LanguageSchema, z.string()).default({}),
});

const SupporterSchema = z.strictObject({
  /** Git host login of the supporter. @example "octo-support" */
  login: z.string().min(1),
  /** Name shown to customers on public replies. @default the login */
  displayName: z.string().min(1).optional(),
  /** Category ids this supporter handles; empty means every category. @default [] */
  categories: z.array(z.string()).default([]),
  /**
   * Whether the supporter takes tickets when the server starts; supporters set themselves present or away on the staff
   * pages, and that setting wins from then on. With `assignment: "auto"`, tickets are off while nobody is present.
   * @default true
   */
  present: z.boolean().default(true),
  /** Mail address for staff notifications. @example "support@example.com" */
  email: z.email().optional(),
});

const AttachmentsSchema = z.strictObject({
  /** Largest single attachment in bytes. @default 5242880 (5 MiB) */
  maxBytes: z
    .number()
    .int()
    .positive()
    .default(5 * 1024 * 1024),
  /** Most attachments per message. @default 3 */
  maxCount: z.number().int().min(0).default(3),
  /** MIME types accepted, decided by sniffing the content, not the file name. @default images, PDF, plain text */
  types: z.array(z.string()).default(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']),
});

const GitHostSchema = z.strictObject({
  /** API base URL; empty runs the embedded local issue host. @example "https://api.github.com" */
  baseUrl: z.url().optional(),
  /** Repository holding the ticket issues, as owner/name. @example "northwind/support" */
  repository: z
    .string()
    .regex(/^[\w.-]+\/[\w.-]+$/, 'write it as owner/name, e.g. "northwind/support"')
    .default('local/support'),
  /** Repository and branch receiving attachments (issues have no upload API). @default the ticket repository, branch "attachments" */
  attachments: z.strictObject({ repository: z.string().optional(), branch: z.string().default('attachments') }).default({ branch: 'attachments' }),
});

const TargetHoursSchema = z.strictObject({
  /** Business hours from the opening to the first public staff reply. @example 4 */
  firstResponse: z.number().positive().max(100_000).optional(),
  /** Business hours from a customer's reply (after a staff reply) to the next public staff reply. @example 8 */
  nextResponse: z.number().positive().max(100_000).optional(),
  /** Business hours from the opening to the close. @example 40 */
  resolution: z.number().positive().max(100_000).optional(),
});

const PRIORITY_NAMES = ['low', 'normal', 'high', 'urgent'] as const;
/** Targets per priority (`low`, `normal`, `high`, `urgent`); a priority or target left out is not measured. */
const PriorityTargetsSchema = z.partialRecord(z.enum(PRIORITY_NAMES, { error: `use a priority: ${PRIORITY_NAMES.join(', ')}` }), TargetHoursSchema);

const HOURS_RANGE = /^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const HoursSchema = z
  .array(
    z
      .string()
      .regex(HOURS_RANGE, 'write a range of local times as "HH:MM-HH:MM", e.g. "09:00-17:00"')
      .refine((range) => range.slice(0, 5) < range.slice(6), 'must end after it starts, e.g. "09:00-17:00"'),
  )
  .optional();

const WorkingWeekSchema = z
  .strictObject({
    /** IANA time zone the working hours and holidays are in. @default "UTC" @example "Europe/Berlin" */
    timeZone: z
      .string()
      .refine((zone) => {
        try {
          new Intl.DateTimeFormat('en', { timeZone: zone });
          return true;
        } catch {
          return false;
        }
      }, 'is not a time zone this server knows; use an IANA name such as "Europe/Berlin" or "America/New_York"')
      .default('UTC'),
    /** Working hours per weekday (`mon` … `sun`), local time; a day left out is off. @default Monday to Friday 09:00-17:00 @example { "mon": ["09:00-12:30", "13:30-17:00"] } */
    hours: z
      .strictObject({ mon: HoursSchema, tue: HoursSchema, wed: HoursSchema, thu: HoursSchema, fri: HoursSchema, sat: HoursSchema, sun: HoursSchema })
      .default({ mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] })
      .refine(
        (hours) => Object.values(hours).some((ranges) => (ranges ?? []).length > 0),
        'has no working hours at all; give ranges such as { "mon": ["09:00-17:00"] }, or set the calendar to "24/7"',
      ),
    /** Local dates without working hours. @default [] @example ["2026-12-24", "2026-12-25"] */
    holidays: z.array(z.iso.date('write a date as YYYY-MM-DD, e.g. "2026-12-25"')).default([]),
  })
  .default({ timeZone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] }, holidays: [] });

/** Response targets (SLA): when tickets are due, counted in business hours. Absent: no targets, no SLA labels. */
const ResponseTargetsSchema = z.strictObject({
  /** When the clocks run: `"24/7"`, or a working week with time zone and holidays. @default Monday to Friday 09:00-17:00 UTC */
  calendar: z
    .union([z.literal('24/7'), WorkingWeekSchema])
    .default({ timeZone: 'UTC', hours: { mon: ['09:00-17:00'], tue: ['09:00-17:00'], wed: ['09:00-17:00'], thu: ['09:00-17:00'], fri: ['09:00-17:00'] }, holidays: [] }),
  /** Business hours per target and priority. @example { "urgent": { "firstResponse": 1, "nextResponse": 2, "resolution": 8 } } */
  targets: PriorityTargetsSchema,
  /** Per category id, targets replacing the priority's (target by target). @default {} @example { "payments": { "high": { "firstResponse": 1 } } } */
  categories: z.record(z.string(), PriorityTargetsSchema).default({}),
  /** Minutes before a due time that a ticket is marked `sla: due-soon`. @default 60 */
  warningMinutes: z.number().int().min(0).max(100_000).default(60),
  /** Whether the clocks stop while a ticket is on hold (they always stop while it waits on the customer). @default true */
  pauseOnHold: z.boolean().default(true),
});

/** An origin only: every link appends an absolute path, so a path, query or fragment here would break them all. */
const SiteUrlSchema = z
  .url({ protocol: /^https?$/, error: 'must be an absolute http:// or https:// address, e.g. "https://help.example.com"' })
  .refine((value) => {
    // Not a URL at all: the check above says so already.
    if (!URL.canParse(value)) return true;
    const url = new URL(value);
    return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  }, 'must be the site\'s origin only, e.g. "https://help.example.com": no path, query, #fragment or user name (the site is served from the root)')
  .transform((value) => new URL(value).origin);

/** Longest label name GitHub accepts (it answers 422 above it). */
export const LABEL_NAME_MAX = 50;

/** The site owner's configuration file (`helpdesk.config.json`). */
export const ConfigSchema = z
  .strictObject({
    /** JSON schema reference for editors; ignored. */
    $schema: z.string().optional(),
    /** Site name shown in the header and page titles. @default "Help Centre" */
    siteName: z.string().min(1).default('Help Centre'),
    /** Public origin of the site, which every link in mail starts with. @default where the server listens (HOST:PORT) @example "https://help.example.com" */
    siteUrl: SiteUrlSchema.optional(),
    /** Sender of the mails the desk sends. @default "Help Centre <help@localhost>" */
    mailFrom: z.string().min(3).default('Help Centre <help@localhost>'),
    /** Language of the home page and of articles without `lang`. @default "en" */
    defaultLanguage: LanguageSchema.default('en'),
    features: z
      .strictObject({
        /** Serve the knowledgebase; off answers 404 on its routes and hides its navigation. @default true */
        knowledgebase: z.boolean().default(true),
        /** Accept tickets on the site. @default true */
        tickets: z.boolean().default(true),
        /** Let customers without a verified email open tickets. @default true */
        guests: z.boolean().default(true),
        /** Let customers rate staff replies. @default true */
        ratings: z.boolean().default(true),
        /** Let customers choose a priority. @default false */
        customerPriority: z.boolean().default(false),
        /** Let customers close and reopen their tickets. @default true */
        customerClose: z.boolean().default(true),
        /** "Was this article helpful?" on articles, anonymous search counts, and the staff page "Knowledgebase insights". @default true */
        insights: z.boolean().default(true),
        /** The chat widget on knowledgebase pages and the staff chat page (conversations are tickets labelled `channel: chat`). @default true */
        chat: z.boolean().default(true),
      })
      .default({ knowledgebase: true, tickets: true, guests: true, ratings: true, customerPriority: false, customerClose: true, insights: true, chat: true }),
    /** Knowledgebase categories, in the order the home page lists them. */
    categories: z.array(CategorySchema).min(1),
    /** Ticket types offered on the form (labels `type: <name>`). @default ["question","problem","complaint","order"] */
    ticketTypes: z.array(z.string().min(1)).min(1).default(['question', 'problem', 'complaint', 'order']),
    /** Staff comments are public unless they start with `/internal`. @default false (internal unless `/reply`) */
    repliesPublicByDefault: z.boolean().default(false),
    /** Staff who answer tickets. */
    supporters: z.array(SupporterSchema).default([]),
    /**
     * How new tickets reach supporters: `auto` assigns each to the next present supporter of its category in turn;
     * `pool` leaves it unassigned in the pool and mails the present supporters of its category, and whoever takes it
     * answers it. @default "auto"
     */
    assignment: z.enum(['auto', 'pool']).default('auto'),
    /** Sign-in accounts for the staff pages; add one with `npm run staff:add -- <login>`. @default [] */
    staffAccounts: z
      .array(
        z.strictObject({
          /** The Git host login this account acts as (a supporter's login). @example "support-anna" */
          login: z.string().min(1),
          /** scrypt hash written by `npm run staff:add`; never a plain password. */
          passwordHash: z.string().startsWith('scrypt$', 'must be a hash written by `npm run staff:add`, not a plain password'),
          /** May set other supporters present or away on the staff pages (everyone may set themselves). @default false */
          admin: z.boolean().default(false),
        }),
      )
      .default([]),
    /** Logins to assign, tier by tier, when a ticket is escalated. @example ["tier2-lead", "it-oncall"] */
    escalationChain: z.array(z.string()).default([]),
    /** Seconds between reconciliation sweeps, which repair what a missed webhook would have left wrong. @default 300 */
    sweepIntervalSeconds: z.number().int().min(10).default(300),
    /**
     * Longest a ticket page shows a cached ticket that no webhook, sweep or own write said changed: how stale a page
     * gets when webhooks are missing or lost (GitHub itself marks its answers fresh for 60 s). @default 60
     */
    ticketCacheSeconds: z.number().int().min(0).max(3600).default(60),
    /** Folder (relative to the config file) whose `<name>.txt` / `<name>.html` files replace the built-in mail templates. @default "mail-templates" */
    mailTemplatesDir: z.string().min(1).default('mail-templates'),
    attachments: AttachmentsSchema.default({ maxBytes: 5 * 1024 * 1024, maxCount: 3, types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'] }),
    /** Limits on customer text, kept below the host's 65,536-character body limit. */
    limits: z
      .strictObject({
        /** Longest subject in characters. @default 150 */
        subjectMax: z.number().int().positive().max(256).default(150),
        /** Longest message in characters; the header and metadata need the rest of the 65,536. @default 60000 */
        messageMax: z.number().int().positive().max(62000).default(60000),
      })
      .default({ subjectMax: 150, messageMax: 60000 }),
    /** Abuse limits on the ticket forms; a person never meets them, a script does. */
    abuse: z
      .strictObject({
        /** New tickets per client address per hour. @default 10 */
        ticketsPerIpPerHour: z.number().int().positive().default(10),
        /** New tickets per email address per hour. @default 5 */
        ticketsPerEmailPerHour: z.number().int().positive().default(5),
        /** Sign-in mails per email address per 15 minutes. @default 3 */
        linksPerEmailPer15Min: z.number().int().positive().default(3),
        /** Article votes ("Was this article helpful?") per client address per hour. @default 30 */
        feedbackPerClientPerHour: z.number().int().positive().default(30),
        /** Search-report requests (up to 20 searches each) per client address per hour. @default 120 */
        searchReportsPerClientPerHour: z.number().int().positive().default(120),
      })
      .default({ ticketsPerIpPerHour: 10, ticketsPerEmailPerHour: 5, linksPerEmailPer15Min: 3, feedbackPerClientPerHour: 30, searchReportsPerClientPerHour: 120 }),
    /** Knowledgebase insights (`features.insights`): how much of what visitors search is kept, and for how long. */
    insights: z
      .strictObject({
        /** Most distinct queries kept per day; further ones count only in the day's totals. @default 2000 */
        maxQueriesPerDay: z.number().int().positive().max(100_000).default(2000),
        /** Days search counts and article votes are kept. @default 400 */
        retentionDays: z.number().int().positive().max(3650).default(400),
      })
      .default({ maxQueriesPerDay: 2000, retentionDays: 400 }),
    /** Offline support: what the service worker keeps for visitors without a network. */
    offline: z
      .strictObject({
        /** Most bytes precached at install; above it only the search index, assets and index pages are, and articles are cached on visit. @default 10485760 (10 MiB) */
        precacheMaxBytes: z
          .number()
          .int()
          .positive()
          .default(10 * 1024 * 1024),
      })
      .default({ precacheMaxBytes: 10 * 1024 * 1024 }),
    /** Response targets (SLA) in business hours, the `sla: due-soon` / `sla: overdue` labels and breach mails. @default absent: no targets */
    responseTargets: ResponseTargetsSchema.optional(),
    gitHost: GitHostSchema.default({ repository: 'local/support', attachments: { branch: 'attachments' } }),
  })
  .superRefine((config, ctx) => {
    // Ticket types and category ids become labels (`type: <name>`, `category: <id>`), and GitHub refuses label
    // names over 50 characters (422) — every ticket of that type or category would be refused.
    const labelTooLong = (prefix: string, value: string, path: (string | number)[]) => {
      if (prefix.length + value.length <= LABEL_NAME_MAX) return;
      ctx.addIssue({
        code: 'custom',
        path,
        message: `makes the label "${prefix}${value}" ${prefix.length + value.length} characters long, and GitHub refuses label names over ${LABEL_NAME_MAX}; shorten it to at most ${LABEL_NAME_MAX - prefix.length} characters`,
      });
    };
    for (const [i, type] of config.ticketTypes.entries()) labelTooLong('type: ', type, ['ticketTypes', i]);
    for (const [i, category] of config.categories.entries()) labelTooLong('category: ', category.id, ['categories', i, 'id']);
    const ids = config.categories.map((c) => c.id);
    for (const [i, supporter] of config.supporters.entries()) {
      for (const [j, category] of supporter.categories.entries()) {
        if (!ids.includes(category)) {
          ctx.addIssue({
            code: 'custom',
            path: ['supporters', i, 'categories', j],
            message: `unknown category "${category}"; valid choices: ${ids.join(', ')}`,
          });
        }
      }
    }
    for (const category of Object.keys(config.responseTargets?.categories ?? {})) {
      if (!ids.includes(category)) ctx.addIssue({ code: 'custom', path: ['responseTargets', 'categories', category], message: `unknown category "${category}"; valid choices: ${ids.join(', ')}` });
    }
  });

export type ConfigInput = z.input<typeof ConfigSchema>;
export type Config = z.output<typeof ConfigSchema>;
