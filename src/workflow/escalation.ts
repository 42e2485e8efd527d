/** A staff comment whose first line starts with `/escalate`; the rest of that line (and below) is the reason. */
const ESCALATE_COMMAND = /^[ \t]*\/escalate(?=\s|$)[ \t]*([^\n]*)\n?([\s\S]*)$/i;

/** The reason of an `/escalate` command comment; undefined when the body is not one. */
export function parseEscalateCommand(body: string): { reason: string } | undefined {
  const match = ESCALATE_COMMAND.exec(body);
  if (!match) return undefined;
  return { reason: [match[1] ?? '', match[2] ?? ''].join('\n').trim() };
}

/**
 * The next tier of the escalation chain: the entry after the furthest one already assigned, or the first
 * tier when none is. Undefined when the ticket is already with the last tier.
 */
export function nextTier(assignees: readonly string[], chain: readonly string[]): { login: string; tier: number } | undefined {
  const lower = assignees.map((a) => a.toLowerCase());
  let furthest = -1;
  chain.forEach((login, i) => {
    if (lower.includes(login.toLowerCase())) furthest = i;
  });
  const login = chain[furthest + 1];
  // Tier 1 is the supporters; the chain starts at tier 2.
  return login === undefined ? undefined : { login, tier: furthest + 3 };
}

/** What the internal escalation note says. */
export function escalationNote(input: {
  by: string | undefined;
  reason: string | undefined;
  to: { login: string; tier: number } | undefined;
  from: readonly string[];
  assignError?: string | undefined;
}): string {
  const who = input.by ?? 'someone (found by the reconciliation sweep)';
  const lines = [`**Escalated** by ${who}.`, '', `**Reason:** ${input.reason?.trim() ? input.reason.trim() : 'no reason given'}`, ''];
  if (!input.to) lines.push('The ticket is already with the last tier of the escalation chain; assignees are unchanged.');
  else if (input.assignError) lines.push(`Could not assign @${input.to.login} (tier ${input.to.tier}): ${input.assignError}`);
  else lines.push(`Assigned to @${input.to.login} (tier ${input.to.tier})${input.from.length ? `, taking over from ${input.from.join(', ')}` : ''}.`);
  lines.push('', '_Internal note by the help desk: the customer does not see it._');
  return lines.join('\n');
}
