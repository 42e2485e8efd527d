/** What the staff pages know about writes on their way to the Git host. */
export interface DeliveryStatus {
  /** Why writes are held back, and until when (the outbox's pause). */
  pause: { kind: 'rate-limited' | 'operator'; reason: string; until: number } | undefined;
  /** Entries waiting to be sent (tickets, replies, labels…). */
  queued: number;
  /** Entries the host refused for good; they wait for someone to look. */
  poisoned: number;
}

export interface DeliveryNotice {
  tone: 'info' | 'warning';
  text: string;
}

const changes = (n: number) => (n === 1 ? '1 change' : `${n.toLocaleString('en')} changes`);
const waiting = (n: number) => (n === 1 ? '1 change waits' : `${changes(n)} wait`);

function inMinutes(ms: number): string {
  const minutes = Math.max(1, Math.ceil(ms / 60_000));
  return minutes === 1 ? 'about a minute' : `about ${minutes} minutes`;
}

/**
 * What every staff page says at its top while writes are held back (a rate limit, a set-up the host refuses) or
 * some were refused for good; nothing when delivery is normal. Staff work in the Git host's UI too, so they need
 * to know the site's changes are late, and why.
 */
export function deliveryNotices(status: DeliveryStatus, now = Date.now()): DeliveryNotice[] {
  const notices: DeliveryNotice[] = [];
  const { pause } = status;
  if (pause?.kind === 'operator') {
    notices.push({
      tone: 'warning',
      text: `Changes are not reaching the Git host: it refuses them until the set-up is fixed (${pause.reason}). ${waiting(status.queued)} and none is lost; one is tried again in ${inMinutes(pause.until - now)}, or run \`npm run outbox -- resume\` after the fix.`,
    });
  } else if (pause && pause.until > now) {
    notices.push({
      tone: 'info',
      text: `The Git host's rate limit holds changes back for ${inMinutes(pause.until - now)}: ${waiting(status.queued)}, sent then, in order.`,
    });
  }
  if (status.poisoned > 0) {
    notices.push({
      tone: 'warning',
      text: `The Git host refused ${changes(status.poisoned)} for good. See why with \`npm run outbox -- list\`; \`npm run outbox -- retry <id>\` sends one again.`,
    });
  }
  return notices;
}
