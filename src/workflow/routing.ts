import type { Config } from '../config/config-schema.ts';

type Supporter = Config['supporters'][number];

/** Who may take a new ticket of a category, and the rotation they share. */
export interface RoutingPool {
  /** Names the rotation pointer: `category:<id>` or `all`. */
  key: string;
  logins: string[];
}

/** Whether a supporter handles a category; an empty category list means every category. */
export function handlesCategory(supporter: Pick<Supporter, 'categories'>, category: string | undefined): boolean {
  return supporter.categories.length === 0 || (category !== undefined && supporter.categories.includes(category));
}

/**
 * The pool a new ticket is routed in: the present supporters of its category, else every present
 * supporter, else nobody (the ticket stays in the pool with `status: new`). Config order is rotation order.
 */
export function routingPool(supporters: readonly Supporter[], category: string | undefined): RoutingPool | undefined {
  const present = supporters.filter((s) => s.present);
  const ofCategory = present.filter((s) => handlesCategory(s, category));
  if (ofCategory.length > 0) return { key: `category:${category ?? ''}`, logins: ofCategory.map((s) => s.login) };
  if (present.length > 0) return { key: 'all', logins: present.map((s) => s.login) };
  return undefined;
}

/** Round-robin: the login after `last` in the pool (the first when `last` is unknown or gone). */
export function nextInRotation(pool: RoutingPool, last: string | undefined): string | undefined {
  const at = last === undefined ? -1 : pool.logins.indexOf(last);
  return pool.logins[(at + 1) % pool.logins.length];
}

/** Supporters to notify about a ticket of a category: present ones of the category, else every present one. */
export function notifiedSupporters(supporters: readonly Supporter[], category: string | undefined): Supporter[] {
  const present = supporters.filter((s) => s.present);
  const ofCategory = present.filter((s) => handlesCategory(s, category));
  return ofCategory.length > 0 ? ofCategory : present;
}
