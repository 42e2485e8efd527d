import type { Language } from '../../config/config-schema.ts';
import { LOCKED_MESSAGE, REMOVED_MESSAGE } from '../../desk/desk.ts';

/** The customer pages' wording (ticket form, ticket page, "My tickets"), one table per language. */
const en = {
  openTicketTitle: 'Open a ticket',
  formIntro: 'Tell us what happened and we will answer by email. You can follow the conversation on this site.',
  signInFirst: 'Please sign in first:',
  signInFirstLink: 'enter your email address',
  signInFirstRest: 'and we will send you a link. Then open your ticket here.',
  searchArticles: 'Search our help articles',
  signedInAs: 'Signed in as',
  email: 'Email address',
  emailHint: 'We send the answer and a link to your ticket here.',
  name: 'Name',
  optional: '(optional)',
  type: 'What is it about?',
  topic: 'Topic',
  order: 'Order number',
  priority: 'Priority',
  subject: 'Subject',
  message: 'Message',
  messageHint: (max: number) => `Markdown works: **bold**, lists, \`code\`. At most ${max.toLocaleString('en')} characters.`,
  suggestionsTitle: 'These articles may answer your question',
  attachments: 'Attachments',
  attachmentsHint: (count: number, size: string) => `Up to ${count} files, ${size} each.`,
  chooseAgain: (names: readonly string[]) => `Choose ${names.join(', ')} again: files cannot be kept when the form comes back.`,
  honeypot: 'Leave this field empty',
  sendTicket: 'Send ticket',
  ticketTitle: (ref: string) => `Ticket ${ref}`,
  breadcrumbs: 'Breadcrumbs',
  myTickets: 'My tickets',
  thanksTitle: 'Thank you — we received your ticket.',
  thanksReference: 'Your reference is',
  thanksKeepAddress: "Keep this page's address to come back:",
  thanksInThisBrowser: 'in this browser,',
  thanksListsIt: 'lists it too. We also emailed you a sign-in link.',
  viewingThisOnly: "You're viewing this ticket only. To see all tickets for this address, open the link we mailed you.",
  status: 'Status',
  typeShort: 'Type',
  orderShort: 'Order',
  reference: 'Reference',
  opened: 'Opened',
  updated: 'Updated',
  yourReply: 'Your reply',
  sendReply: 'Send reply',
  confirmClose: 'My question is answered: close this ticket (you can reopen it later)',
  closeTicket: 'Close ticket',
  reopenTicket: 'Reopen ticket',
  conversation: 'Conversation',
  you: 'You',
  fromMergedTicket: (ref: string) => `from your earlier ticket ${ref}`,
  newReplyFrom: 'New reply from',
  preview: 'Preview',
  edit: 'Edit',
  /** Ticket types the sample configuration names; a type not listed here is shown as configured. */
  ticketTypes: {} as Readonly<Record<string, string>>,
  queuedMessage: 'Queued — will be delivered',
  rateReplyFrom: (author: string, when: string) => `Rate the reply from ${author}, ${when}`,
  wasThisHelpful: 'Was this helpful?',
  helped: 'Yes, this helped',
  didNotHelp: 'No, this did not help',
  browserOnly: 'These are the tickets opened in this browser. To see every ticket of your email address, open the link we mailed you, or ask for a new one below.',
  noTicketsYet: 'You have no tickets yet.',
  ticketsInBrowser: 'Tickets opened in this browser, newest first',
  yourTickets: 'Your tickets, newest first',
  seeAllTickets: 'See all your tickets',
  signInIntro: 'Enter the email address you used for your tickets. We will send you a link that signs you in.',
  forgetTickets: 'Forget these tickets on this browser',
  signOut: 'Sign out',
  signInEmailHint: 'The address your tickets were filed with. The link works once, for 24 hours.',
  signInButton: 'Email me a sign-in link',
  signInLinkTitle: 'Sign-in link',
  signIn: 'Sign in',
  linkSignsYouInAs: 'This link signs you in as',
  andOpensTicket: 'and opens ticket',
  toSeeYourTickets: ' to see your tickets',
  continue: 'Continue',
  notYou: 'Not you, or did not ask for this link? Close this page; nothing happens until you continue.',
  linkBroken: 'This link does not work',
  getNewLink: 'Get a new link',
  signInToSee: 'Sign in to see this ticket',
  cannotOpen: (ref: string) => `This browser cannot open ticket ${ref}.`,
  ticketRemovedTitle: 'This ticket was removed',
  ticketRemoved: (ref: string, when: string) => `The help desk removed ticket ${ref} and everything in it on ${when}.`,
  stillNeedHelp: 'If you still need help,',
  openNewTicket: 'open a new ticket',
  signedInOther: (email: string) => `You are signed in as ${email}; if the ticket was filed with another address, sign in with that one.`,
  opensWhere: 'A ticket opens in the browser it was filed from, or with a link we email to its address.',
  enterFiledAddress: 'Enter the email address the ticket was filed with, and we will send you a link that signs you in.',
  removed: REMOVED_MESSAGE,
  locked: LOCKED_MESSAGE,
  outageTitle: 'Our ticket system is not reachable right now',
  outageAsLastSeen: 'This is your ticket as we last saw it, at',
  outageNewerMissing: ': newer replies may be missing.',
  outageSummaryOnly: "We can show your ticket's details and the messages waiting to be delivered, but not the conversation, until the system is back.",
  outageSafe: 'Your ticket and messages are safe.',
  outageCanReply: ' You can still reply: your reply is queued and delivered as soon as the system is back.',
  outageWaits: ' Closing, reopening and rating wait until then.',
};

const de: typeof en = {
  openTicketTitle: 'Ticket eröffnen',
  formIntro: 'Schildern Sie uns, was passiert ist, und wir antworten per E-Mail. Das Gespräch können Sie auf dieser Seite verfolgen.',
  signInFirst: 'Bitte melden Sie sich zuerst an:',
  signInFirstLink: 'Geben Sie Ihre E-Mail-Adresse ein',
  signInFirstRest: 'und wir senden Ihnen einen Link. Danach eröffnen Sie hier Ihr Ticket.',
  searchArticles: 'Unsere Hilfeartikel durchsuchen',
  signedInAs: 'Angemeldet als',
  email: 'E-Mail-Adresse',
  emailHint: 'Hierhin senden wir die Antwort und einen Link zu Ihrem Ticket.',
  name: 'Name',
  optional: '(optional)',
  type: 'Worum geht es?',
  topic: 'Thema',
  order: 'Bestellnummer',
  priority: 'Priorität',
  subject: 'Betreff',
  message: 'Nachricht',
  messageHint: (max: number) => `Markdown funktioniert: **fett**, Listen, \`Code\`. Höchstens ${max.toLocaleString('de-DE')} Zeichen.`,
  suggestionsTitle: 'Diese Artikel beantworten vielleicht Ihre Frage',
  attachments: 'Anhänge',
  attachmentsHint: (count: number, size: string) => `Bis zu ${count} Dateien, je ${size}.`,
  chooseAgain: (names: readonly string[]) => `Wählen Sie ${names.join(', ')} erneut aus: Dateien können nicht behalten werden, wenn das Formular zurückkommt.`,
  honeypot: 'Dieses Feld leer lassen',
  sendTicket: 'Ticket senden',
  ticketTitle: (ref: string) => `Ticket ${ref}`,
  breadcrumbs: 'Brotkrümelnavigation',
  myTickets: 'Meine Tickets',
  thanksTitle: 'Vielen Dank — wir haben Ihr Ticket erhalten.',
  thanksReference: 'Ihre Referenz ist',
  thanksKeepAddress: 'Merken Sie sich die Adresse dieser Seite, um zurückzukehren:',
  thanksInThisBrowser: 'in diesem Browser führt',
  thanksListsIt: 'es ebenfalls auf. Außerdem haben wir Ihnen einen Anmeldelink gemailt.',
  viewingThisOnly: 'Sie sehen nur dieses Ticket. Um alle Tickets dieser Adresse zu sehen, öffnen Sie den Link, den wir Ihnen gemailt haben.',
  status: 'Status',
  typeShort: 'Art',
  orderShort: 'Bestellung',
  reference: 'Referenz',
  opened: 'Eröffnet',
  updated: 'Aktualisiert',
  yourReply: 'Ihre Antwort',
  sendReply: 'Antwort senden',
  confirmClose: 'Meine Frage ist beantwortet: Ticket schließen (Sie können es später wieder öffnen)',
  closeTicket: 'Ticket schließen',
  reopenTicket: 'Ticket wieder öffnen',
  conversation: 'Gesprächsverlauf',
  you: 'Sie',
  fromMergedTicket: (ref: string) => `aus Ihrem früheren Ticket ${ref}`,
  newReplyFrom: 'Neue Antwort von',
  preview: 'Vorschau',
  edit: 'Bearbeiten',
  ticketTypes: { question: 'Frage', problem: 'Problem', complaint: 'Beschwerde', order: 'Bestellung' },
  queuedMessage: 'In der Warteschlange — wird zugestellt',
  rateReplyFrom: (author: string, when: string) => `Antwort von ${author} bewerten, ${when}`,
  wasThisHelpful: 'War das hilfreich?',
  helped: 'Ja, das hat geholfen',
  didNotHelp: 'Nein, das hat nicht geholfen',
  browserOnly: 'Dies sind die Tickets, die in diesem Browser eröffnet wurden. Um alle Tickets Ihrer E-Mail-Adresse zu sehen, öffnen Sie den gemailten Link oder fordern Sie unten einen neuen an.',
  noTicketsYet: 'Sie haben noch keine Tickets.',
  ticketsInBrowser: 'In diesem Browser eröffnete Tickets, neueste zuerst',
  yourTickets: 'Ihre Tickets, neueste zuerst',
  seeAllTickets: 'Alle Ihre Tickets sehen',
  signInIntro: 'Geben Sie die E-Mail-Adresse ein, mit der Sie Ihre Tickets eröffnet haben. Wir senden Ihnen einen Link, der Sie anmeldet.',
  forgetTickets: 'Diese Tickets in diesem Browser vergessen',
  signOut: 'Abmelden',
  signInEmailHint: 'Die Adresse, mit der Ihre Tickets eröffnet wurden. Der Link funktioniert einmal, 24 Stunden lang.',
  signInButton: 'Anmeldelink per E-Mail senden',
  signInLinkTitle: 'Anmeldelink',
  signIn: 'Anmelden',
  linkSignsYouInAs: 'Dieser Link meldet Sie an als',
  andOpensTicket: 'und öffnet das Ticket',
  toSeeYourTickets: ', damit Sie Ihre Tickets sehen',
  continue: 'Weiter',
  notYou: 'Nicht Sie, oder haben Sie diesen Link nicht angefordert? Schließen Sie diese Seite; ohne „Weiter“ geschieht nichts.',
  linkBroken: 'Dieser Link funktioniert nicht',
  getNewLink: 'Neuen Link anfordern',
  signInToSee: 'Melden Sie sich an, um dieses Ticket zu sehen',
  cannotOpen: (ref: string) => `Dieser Browser kann das Ticket ${ref} nicht öffnen.`,
  ticketRemovedTitle: 'Dieses Ticket wurde entfernt',
  ticketRemoved: (ref: string, when: string) => `Der Support hat das Ticket ${ref} mit allem, was dazugehörte, am ${when} entfernt.`,
  stillNeedHelp: 'Wenn Sie noch Hilfe brauchen,',
  openNewTicket: 'eröffnen Sie ein neues Ticket',
  signedInOther: (email: string) => `Sie sind als ${email} angemeldet; wurde das Ticket mit einer anderen Adresse eröffnet, melden Sie sich mit dieser an.`,
  opensWhere: 'Ein Ticket öffnet sich in dem Browser, in dem es eröffnet wurde, oder mit einem Link, den wir an seine Adresse mailen.',
  enterFiledAddress: 'Geben Sie die E-Mail-Adresse ein, mit der das Ticket eröffnet wurde, und wir senden Ihnen einen Link, der Sie anmeldet.',
  removed: 'Dieses Ticket wurde aus unserem Ticketsystem entfernt und kann nicht mehr angezeigt oder beantwortet werden. Wenn Sie weiter Hilfe brauchen, eröffnen Sie bitte ein neues Ticket.',
  locked: 'Unser Support-Team hat dieses Gespräch für neue Antworten geschlossen. Wenn Sie weitere Hilfe brauchen, eröffnen Sie bitte ein neues Ticket.',
  outageTitle: 'Unser Ticketsystem ist gerade nicht erreichbar',
  outageAsLastSeen: 'So haben wir Ihr Ticket zuletzt gesehen, am',
  outageNewerMissing: ': Neuere Antworten können fehlen.',
  outageSummaryOnly: 'Bis das System wieder erreichbar ist, können wir die Angaben zu Ihrem Ticket und die noch zuzustellenden Nachrichten zeigen, aber nicht das Gespräch.',
  outageSafe: 'Ihr Ticket und Ihre Nachrichten sind sicher.',
  outageCanReply: ' Sie können trotzdem antworten: Ihre Antwort wird zugestellt, sobald das System wieder erreichbar ist.',
  outageWaits: ' Schließen, Wiedereröffnen und Bewerten warten bis dahin.',
};

export type PortalText = typeof en;

/** The customer pages' wording in a language. */
export function portalText(lang: Language): PortalText {
  return lang === 'de' ? de : en;
}

/** A ticket type as the customer reads it: translated where the language knows it, else as configured. */
export function ticketTypeName(type: string, lang: Language): string {
  return portalText(lang).ticketTypes[type] ?? type;
}

/** The language a customer page was asked in (`?lang=de`, as the German pages link to it); English otherwise. */
export function pageLanguage(url: URL): Language {
  return url.searchParams.get('lang') === 'de' ? 'de' : 'en';
}

/** A customer page's address in a language: German pages carry `lang=de`, English ones stay as they were. */
export function withPageLanguage(path: string, lang: Language): string {
  if (lang === 'en') return path;
  return `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
}

/** A date as the language writes it, e.g. "14 Oct 2026" / "14.10.2026". */
// Building a formatter costs far more than using one (ICU loads the locale's patterns), and a thread formats every message.
const portalDateFormats = new Map<string, Intl.DateTimeFormat>();

export function formatPortalDate(iso: string, lang: Language, withTime = false): string {
  const key = `${lang}:${withTime}`;
  let format = portalDateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', ...(withTime ? { timeStyle: 'short' } : {}), timeZone: 'UTC' });
    portalDateFormats.set(key, format);
  }
  return format.format(new Date(iso)) + (withTime ? ' UTC' : '');
}
