/** A customer's rating of a staff public reply. */
export type Rating = 'helpful' | 'not-helpful';

/**
 * The rating of a reply from its reactions. Customers rate on the site and the bot reacts for them, so only
 * the bot's reactions count: staff and outsiders may react on the Git host too.
 */
export function ratingFromReactions(reactions: ReadonlyArray<{ content: string; login: string }>, botLogin: string): Rating | undefined {
  const mine = reactions.filter((r) => r.login.toLowerCase() === botLogin.toLowerCase());
  if (mine.some((r) => r.content === '+1')) return 'helpful';
  if (mine.some((r) => r.content === '-1')) return 'not-helpful';
  return undefined;
}

/** Whether a message's reaction counts could hold a rating at all (saves asking who reacted). */
export function mayCarryRating(reactionCounts: Readonly<Record<string, number>>): boolean {
  return (reactionCounts['+1'] ?? 0) > 0 || (reactionCounts['-1'] ?? 0) > 0;
}

/** The ratings of several replies, asking the host who reacted only where a rating is possible. */
export async function ratingsOf(
  messages: ReadonlyArray<{ id: number; reactions: Readonly<Record<string, number>> }>,
  listReactions: (messageId: number) => Promise<Array<{ content: string; login: string }>>,
  botLogin: string,
): Promise<Map<number, Rating>> {
  const ratings = new Map<number, Rating>();
  for (const message of messages) {
    if (!mayCarryRating(message.reactions)) continue;
    const rating = ratingFromReactions(await listReactions(message.id), botLogin);
    if (rating) ratings.set(message.id, rating);
  }
  return ratings;
}
