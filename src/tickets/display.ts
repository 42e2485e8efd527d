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
