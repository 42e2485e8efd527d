import type { Config, Language } from '../config/config-schema.ts';
import { labelValue } from './labels.ts';

/** How a supporter is named to others: the configured display name, else `fallback` (the login for staff, "Support team" for customers). */
export function staffDisplayName(config: Pick<Config, 'supporters'>, login: string, fallback: string = login): string {
  return config.supporters.find((s) => s.login.toLowerCase() === login.toLowerCase())?.displayName ?? fallback;
}

/** A category's title in a language, e.g. "shipping" → "Shipping & delivery"; the id when it has none. */
export function categoryTitle(config: Pick<Config, 'categories'>, id: string, lang: Language = 'en'): string {
  const category = config.categories.find((c) => c.id === id);
  return category?.title[lang] ?? category?.title.en ?? id;
}

/** The title of a ticket's category label; empty when it has none. */
export function ticketCategoryTitle(config: Pick<Config, 'categories'>, labels: readonly string[], lang: Language = 'en'): string {
  const id = labelValue(labels, 'category');
  return id === undefined ? '' : categoryTitle(config, id, lang);
}

/** "2 d 3 h", "1 h 5 min", "4 min", "under a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return mins > 0 ? `${hours} h ${mins} min` : `${hours} h`;
  return `${mins} min`;
}
