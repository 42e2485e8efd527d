import { z } from 'zod';
import type { Config, Language } from '../config/config-schema.ts';
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

/** What the form's rules say when a field breaks them, per language: one rule, two wordings. */
const FORM_MESSAGES = {
  en: {
    nameTooLong: 'Keep your name under 100 characters.',
    subjectMissing: 'Enter a subject.',
    subjectTooShort: 'Enter a subject of at least 3 characters.',
    subjectTooLong: (max: number) => `The subject may be at most ${max} characters long.`,
    messageMissing: 'Describe your question or problem.',
    messageTooShort: 'Describe your question in at least 10 characters.',
    messageTooLong: (max: number) => `The message may be at most ${max.toLocaleString('en')} characters long.`,
    chooseOneOf: (choices: readonly string[]) => `Choose one of: ${choices.join(', ')}.`,
    orderTooLong: 'An order number has at most 40 characters.',
    orderCharacters: 'Use only letters, digits, dashes, dots and slashes for the order number.',
  },
  de: {
    nameTooLong: 'Ihr Name darf höchstens 100 Zeichen lang sein.',
    subjectMissing: 'Geben Sie einen Betreff ein.',
    subjectTooShort: 'Geben Sie einen Betreff mit mindestens 3 Zeichen ein.',
    subjectTooLong: (max: number) => `Der Betreff darf höchstens ${max} Zeichen lang sein.`,
    messageMissing: 'Beschreiben Sie Ihre Frage oder Ihr Problem.',
    messageTooShort: 'Beschreiben Sie Ihre Frage in mindestens 10 Zeichen.',
    messageTooLong: (max: number) => `Die Nachricht darf höchstens ${max.toLocaleString('de-DE')} Zeichen lang sein.`,
    chooseOneOf: (choices: readonly string[]) => `Wählen Sie eines von: ${choices.join(', ')}.`,
    orderTooLong: 'Eine Bestellnummer hat höchstens 40 Zeichen.',
    orderCharacters: 'Verwenden Sie für die Bestellnummer nur Buchstaben, Ziffern, Bindestriche, Punkte und Schrägstriche.',
  },
} satisfies Record<Language, unknown>;

/** Builds the schema of the ticket form for a configuration (its categories, types and limits), its messages in `lang`. */
export function ticketFormSchema(config: Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>, lang: Language = 'en') {
  const categories = config.categories.map((c) => c.id);
  const { subjectMax, messageMax } = config.limits;
  const say = FORM_MESSAGES[lang];
  return z.object({
    email: z.unknown().transform((value, ctx) => {
      // The one email rule (tickets/email.ts), the same as the sign-in form's.
      const email = parseEmail(value, lang);
      if (email.ok) return email.email;
      ctx.addIssue({ code: 'custom', message: email.message });
      return z.NEVER;
    }),
    name: z.string().optional().default('').transform(oneLine).pipe(z.string().max(100, say.nameTooLong)),
    subject: z
      .string(say.subjectMissing)
      .transform(oneLine)
      .pipe(z.string().min(3, say.subjectTooShort).max(subjectMax, say.subjectTooLong(subjectMax))),
    message: z
      .string(say.messageMissing)
      .transform((s) =>
        s
          .replace(/\r\n?/g, '\n')
          .replace(/\u0000/g, '')
          .trim(),
      )
      .pipe(z.string().min(10, say.messageTooShort).max(messageMax, say.messageTooLong(messageMax))),
    type: z.enum(config.ticketTypes as [string, ...string[]], say.chooseOneOf(config.ticketTypes)),
    category: z.enum(categories as [string, ...string[]], say.chooseOneOf(categories)),
    order: z
      .string()
      .optional()
      .default('')
      .transform(oneLine)
      .pipe(
        z
          .string()
          .max(40, say.orderTooLong)
          .regex(/^[\w./-]*$/, say.orderCharacters),
      ),
    priority: config.features.customerPriority
      ? z.enum(TICKET_PRIORITIES, say.chooseOneOf(TICKET_PRIORITIES)).default('normal')
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

const REFUSED_FORM_TEXT_DE: Record<keyof typeof REFUSED_FORM_TEXT, string> = {
  title: 'Ihr Ticket wurde nicht gesendet',
  fix: 'Bitte korrigieren Sie die unten markierten Felder:',
  kept: 'Alles, was Sie eingegeben haben, steht weiter unten.',
  chooseFilesAgain: 'Dateien können nicht behalten werden: Bitte wählen Sie sie erneut aus.',
  unreachable: 'Wir konnten die Seite nicht erreichen. Prüfen Sie Ihre Verbindung und senden Sie das Formular erneut.',
};

/** `REFUSED_FORM_TEXT` in a language. */
export function refusedFormText(lang: Language): Record<keyof typeof REFUSED_FORM_TEXT, string> {
  return lang === 'de' ? REFUSED_FORM_TEXT_DE : REFUSED_FORM_TEXT;
}

type FormConfig = Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>;
const schemas: Record<Language, WeakMap<FormConfig, { from: unknown[]; schema: ReturnType<typeof ticketFormSchema> }>> = { en: new WeakMap(), de: new WeakMap() };

/** The schema of a configuration, built once (building it cost more than a form's validation), again if the parts it reads were replaced. */
function cachedSchema(config: FormConfig, lang: Language): ReturnType<typeof ticketFormSchema> {
  const from = [config.categories, config.ticketTypes, config.limits, config.features, config.limits.subjectMax, config.limits.messageMax, config.features.customerPriority];
  const cached = schemas[lang].get(config);
  if (cached?.from.every((part, i) => part === from[i])) return cached.schema;
  const schema = ticketFormSchema(config, lang);
  schemas[lang].set(config, { from, schema });
  return schema;
}

/** Validates submitted form fields; returns the cleaned values or one message per bad field, in `lang`. */
export function parseTicketForm(
  input: Record<string, unknown>,
  config: Pick<Config, 'categories' | 'ticketTypes' | 'limits' | 'features'>,
  signedInEmail?: string,
  lang: Language = 'en',
): { ok: true; value: TicketForm } | { ok: false; errors: FieldErrors } {
  // A signed-in customer's address is the session's: whatever the form says, the session's goes through the one email rule.
  const result = cachedSchema(config, lang).safeParse(signedInEmail === undefined ? input : { ...input, email: signedInEmail });
  if (result.success) return { ok: true, value: result.data };
  const errors: FieldErrors = {};
  for (const issue of result.error.issues) {
    const field = String(issue.path[0] ?? 'form') as TicketField;
    errors[field] ??= issue.message;
  }
  return { ok: false, errors };
}

/** A reply's text, with the same limit as a ticket message; its messages in `lang`. */
export function parseReplyText(input: unknown, config: Pick<Config, 'limits'>, lang: Language = 'en'): { ok: true; value: string } | { ok: false; error: string } {
  const { messageMax } = config.limits;
  const text =
    typeof input === 'string'
      ? input
          .replace(/\r\n?/g, '\n')
          .replace(/\u0000/g, '')
          .trim()
      : '';
  if (text.length === 0) return { ok: false, error: lang === 'de' ? 'Schreiben Sie eine Antwort, bevor Sie senden.' : 'Write a reply before sending.' };
  if (text.length > messageMax) {
    const error =
      lang === 'de'
        ? `Die Antwort darf höchstens ${messageMax.toLocaleString('de-DE')} Zeichen lang sein; sie hat ${text.length.toLocaleString('de-DE')}.`
        : `The reply may be at most ${messageMax.toLocaleString('en')} characters long; it has ${text.length.toLocaleString('en')}.`;
    return { ok: false, error };
  }
  return { ok: true, value: text };
}
