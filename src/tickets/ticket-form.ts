import { z } from 'zod';
import type { Config } from '../config/config-schema.ts';
import { parseEmail } from './email.ts';
import { TICKET_PRIORITIES } from './labels.ts';

export const GITHUB_BODY_LIMIT = 65_536;

/** Field names of the ticket form, in the order errors are listed. */
export const TICKET_FIELDS = ['email', 'name', 'subject', 'message', 'type', 'category', 'order', 'priority'] as const;
export type TicketField = (typeof TICKET_FIELDS)[number];

const oneLine = (s: string) =>
  s
    .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/** Builds the schema of the ticket form for a configuration (its categories, types and limits). */
export function ticketFormSchema(config: Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>) {
  const categories = config.categories.map((c) => c.id);
  const { subjectMax, messageMax } = config.limits;
  return z.object({
    email: z.unknown().transform((value, ctx) => {
      // The one email rule (tickets/email.ts), the same as the sign-in form's.
      const email = parseEmail(value);
      if (email.ok) return email.email;
      ctx.addIssue({ code: 'custom', message: email.message });
      return z.NEVER;
    }),
    name: z.string().optional().default('').transform(oneLine).pipe(z.string().max(100, 'Keep your name under 100 characters.')),
    subject: z
      .string('Enter a subject.')
      .transform(oneLine)
      .pipe(z.string().min(3, 'Enter a subject of at least 3 characters.').max(subjectMax, `The subject may be at most ${subjectMax} characters long.`)),
    message: z
      .string('Describe your question or problem.')
      .transform((s) =>
        s
          .replace(/\r\n?/g, '\n')
          .replace(/\u0000/g, '')
          .trim(),
      )
      .pipe(
        z
          .string()
          .min(10, 'Describe your question in at least 10 characters.')
          .max(messageMax, `The message may be at most ${messageMax.toLocaleString('en')} characters long.`),
      ),
    type: z.enum(config.ticketTypes as [string, ...string[]], `Choose one of: ${config.ticketTypes.join(', ')}.`),
    category: z.enum(categories as [string, ...string[]], `Choose one of: ${categories.join(', ')}.`),
    order: z
      .string()
      .optional()
      .default('')
      .transform(oneLine)
      .pipe(
        z
          .string()
          .max(40, 'An order number has at most 40 characters.')
          .regex(/^[\w./-]*$/, 'Use only letters, digits, dashes, dots and slashes for the order number.'),
      ),
    priority: config.features.customerPriority
      ? z.enum(TICKET_PRIORITIES, `Choose one of: ${TICKET_PRIORITIES.join(', ')}.`).default('normal')
      : z
          .unknown()
          .optional()
          .transform(() => 'normal' as const),
  });
}

export type TicketForm = z.output<ReturnType<typeof ticketFormSchema>>;

export type FieldErrors = Partial<Record<TicketField | 'attachments' | 'form', string>>;

/** The ticket form's fields as it shows them, top to bottom: the order its error summary lists problems in. */
export const TICKET_FORM_ORDER = ['email', 'name', 'type', 'category', 'order', 'priority', 'subject', 'message', 'attachments'] as const;

/** What a refused ticket form says at its top, whether the page or the form's script shows it. */
export const REFUSED_FORM_TEXT = {
  title: 'Your ticket was not sent',
  fix: 'Please correct the fields marked below:',
  kept: 'Everything you typed is kept below.',
  chooseFilesAgain: 'Files cannot be kept: please choose them again.',
  unreachable: 'We could not reach the site. Check your connection and send the form again.',
} as const;

type FormConfig = Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>;
const schemas = new WeakMap<FormConfig, { from: unknown[]; schema: ReturnType<typeof ticketFormSchema> }>();

/** The schema of a configuration, built once (building it cost more than a form's validation), again if the parts it reads were replaced. */
function cachedSchema(config: FormConfig): ReturnType<typeof ticketFormSchema> {
  const from = [config.categories, config.ticketTypes, config.limits, config.features, config.limits.subjectMax, config.limits.messageMax, config.features.customerPriority];
  const cached = schemas.get(config);
  if (cached?.from.every((part, i) => part === from[i])) return cached.schema;
  const schema = ticketFormSchema(config);
  schemas.set(config, { from, schema });
  return schema;
}

/** Validates submitted form fields; returns the cleaned values or one message per bad field. */
export function parseTicketForm(
  input: Record<string, unknown>,
  config: Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>,
  signedInEmail?: string,
): { ok: true; value: TicketForm } | { ok: false; errors: FieldErrors } {
  // A signed-in customer's address is the session's: whatever the form says, the session's goes through the one email rule.
  const result = cachedSchema(config).safeParse(signedInEmail === undefined ? input : { ...input, email: signedInEmail });
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form') as TicketField;
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A reply's text, with the same limit as a ticket message. */
export function parseReplyText(input: unknown, config: Pick<Config, 'limits'>): { ok: true; value: string } | { ok: false; error: string } {
  const { messageMax } = config.limits;
  const text =
    typeof input === 'string'
      ? input
          .replace(/\r\n?/g, '\n')
          .replace(/\u0000/g, '')
          .trim()
      : '';
  if (text.length === 0) return { ok: false, error: 'Write a reply before sending.' };
  if (text.length > messageMax) return { ok: false, error: `The reply may be at most ${messageMax.toLocaleString('en')} characters long; it has ${text.length.toLocaleString('en')}.` };
  return { ok: true, value: text };
}
