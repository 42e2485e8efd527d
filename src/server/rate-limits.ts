import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config/config-schema.ts';
import { describeWait } from './http.ts';
import { DeskError } from '../tickets/errors.ts';

/** Limits per action, as points per window; generous for people, tight for scripts. */
export const RATE_LIMITS = {
  /** New tickets per client address. */
  ticketPerIp: { points: 10, duration: 60 * 60 },
  /** New tickets per email address. */
  ticketPerEmail: { points: 5, duration: 60 * 60 },
  /** Magic-link mails per email address. */
  linkPerEmail: { points: 3, duration: 15 * 60 },
  /** Magic-link requests per client address. */
  linkPerIp: { points: 10, duration: 15 * 60 },
  /** Staff sign-in attempts per client address. */
  staffSignInPerIp: { points: 10, duration: 15 * 60 },
  /** Replies per customer. */
  replyPerEmail: { points: 30, duration: 60 * 60 },
} as const;

export type RateLimitName = keyof typeof RATE_LIMITS;

export interface RateLimits {
  /** Takes one point; throws a 429 DeskError saying when to try again. */
  consume(name: RateLimitName, key: string): Promise<void>;
}

/** The configured limits in place of the defaults. */
export function limitsFromConfig(abuse: Config['abuse']): Partial<Record<RateLimitName, { points: number; duration: number }>> {
  return {
    ticketPerIp: { points: abuse.ticketsPerIpPerHour, duration: 60 * 60 },
    ticketPerEmail: { points: abuse.ticketsPerEmailPerHour, duration: 60 * 60 },
    linkPerEmail: { points: abuse.linksPerEmailPer15Min, duration: 15 * 60 },
  };
}

/** In-memory limits for one server process (see the README on running several). */
export function createRateLimits(overrides: Partial<Record<RateLimitName, { points: number; duration: number }>> = {}): RateLimits {
  const limiters = new Map<RateLimitName, RateLimiterMemory>();
  for (const name of Object.keys(RATE_LIMITS) as RateLimitName[]) {
    limiters.set(name, new RateLimiterMemory({ keyPrefix: name, ...(overrides[name] ?? RATE_LIMITS[name]) }));
  }
  return {
    async consume(name, key) {
      try {
        await limiters.get(name)!.consume(key.toLowerCase());
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        const seconds = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        throw new DeskError('rate_limited', { message: `Too many requests. Please try again in ${describeWait(seconds)}.`, retryAfterSeconds: seconds });
      }
    },
  };
}
