import type { Language } from '../config/config-schema.ts';

const en = {
  offlineTitle: 'You are offline',
  offlineText: 'This page is not saved on this device. Every help article you can search for below still opens without a network.',
  offlineSearchHeading: 'Search the help articles',
  statusOffline: 'You are offline. Help articles and search keep working.',
  statusOnline: 'You are back online.',
  updateAvailable: 'A new version of the help centre is available.',
  reload: 'Reload',
};

const de: typeof en = {
  offlineTitle: 'Sie sind offline',
  offlineText: 'Diese Seite ist auf diesem Gerät nicht gespeichert. Alle Hilfeartikel, die Sie unten finden, öffnen sich auch ohne Netz.',
  offlineSearchHeading: 'Hilfeartikel durchsuchen',
  statusOffline: 'Sie sind offline. Hilfeartikel und Suche funktionieren weiter.',
  statusOnline: 'Sie sind wieder online.',
  updateAvailable: 'Eine neue Version des Hilfe-Centers ist verfügbar.',
  reload: 'Neu laden',
};

export type OfflineText = typeof en;

/** Text of the offline page, the connection status and the update prompt in a language. */
export function offlineText(lang: Language): OfflineText {
  return lang === 'de' ? de : en;
}
