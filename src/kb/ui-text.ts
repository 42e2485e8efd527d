import type { Language } from '../config/config-schema.ts';

const en = {
  skipToContent: 'Skip to content',
  home: 'Help Centre',
  articles: 'Help articles',
  categories: 'Browse by topic',
  articleCount: (n: number) => (n === 1 ? '1 article' : `${n} articles`),
  recentlyUpdated: 'Recently updated',
  updated: 'Last updated',
  onThisPage: 'On this page',
  related: 'Related articles',
  breadcrumbs: 'Breadcrumbs',
  needHelp: 'Still need help?',
  needHelpText: 'Our support team answers every ticket, usually within one working day.',
  openTicket: 'Open a ticket',
  myTickets: 'My tickets',
  searchHeading: 'How can we help?',
  notFoundTitle: 'Page not found',
  notFoundText: 'We could not find that page. It may have moved, or the address may be mistyped.',
  backHome: 'Go to the Help Centre home',
  language: 'Language',
  thisArticleIn: 'This article in',
  kbOff: 'The knowledgebase is not available on this site.',
};

const de: typeof en = {
  skipToContent: 'Zum Inhalt springen',
  home: 'Hilfe-Center',
  articles: 'Hilfeartikel',
  categories: 'Themen',
  articleCount: (n: number) => (n === 1 ? '1 Artikel' : `${n} Artikel`),
  recentlyUpdated: 'Kürzlich aktualisiert',
  updated: 'Zuletzt aktualisiert',
  onThisPage: 'Auf dieser Seite',
  related: 'Verwandte Artikel',
  breadcrumbs: 'Brotkrümelnavigation',
  needHelp: 'Brauchen Sie weitere Hilfe?',
  needHelpText: 'Unser Support-Team beantwortet jedes Ticket, meist innerhalb eines Werktags.',
  openTicket: 'Ticket eröffnen',
  myTickets: 'Meine Tickets',
  searchHeading: 'Wie können wir helfen?',
  notFoundTitle: 'Seite nicht gefunden',
  notFoundText: 'Diese Seite gibt es nicht. Vielleicht wurde sie verschoben oder die Adresse ist falsch geschrieben.',
  backHome: 'Zur Startseite des Hilfe-Centers',
  language: 'Sprache',
  thisArticleIn: 'Dieser Artikel auf',
  kbOff: 'Die Wissensdatenbank ist auf dieser Seite nicht verfügbar.',
};

export type UiText = typeof en;

/** Each language's name in itself, as a language switch shows it. */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', de: 'Deutsch' };

/** Interface text in a language. */
export function uiText(lang: Language): UiText {
  return lang === 'de' ? de : en;
}

/** A date as readers of the language write it, e.g. "14 October 2026" / "14. Oktober 2026". */
export function formatDate(isoDate: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'long', timeZone: 'UTC' }).format(new Date(`${isoDate}T00:00:00Z`));
}
