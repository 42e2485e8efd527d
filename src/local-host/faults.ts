import { z } from 'zod';

/** How often a fault fires: a share of matching requests, and/or the next `count` matching requests. */
const TriggerSchema = z.strictObject({
  /** Share of matching requests (0 to 1) that get the fault. @default 0 */
  rate: z.number().min(0).max(1).optional(),
  /** The next this-many matching requests get the fault (counts down). @default 0 */
  count: z.number().int().min(0).optional(),
});

/** Fault injection switches, settable at runtime (handle.setFaults or `PUT /_admin/faults`). */
export const FaultsSchema = z.strictObject({
  /** Milliseconds added before each answer (after a write is applied, so a client can die waiting). @default 0 */
  latencyMs: z.number().int().min(0).optional(),
  /** Only requests with these methods are subject to the faults below (latency included). @example ["POST"] */
  methods: z.array(z.string()).optional(),
  /** Answer 5xx. With `afterApply`, writes are applied first, so the client cannot know the outcome. */
  serverError: TriggerSchema.extend({ status: z.number().int().min(500).max(599).optional(), afterApply: z.boolean().optional() }).optional(),
  /** Secondary rate limit: 403 or 429 with `retry-after` and GitHub's message. */
  secondaryRateLimit: TriggerSchema.extend({ status: z.union([z.literal(403), z.literal(429)]).optional(), retryAfter: z.number().int().min(0).optional() }).optional(),
  /** Primary rate limit: 403 with `x-ratelimit-remaining: 0` and a reset this many seconds away. */
  primaryRateLimit: TriggerSchema.extend({ resetAfter: z.number().int().min(0).optional() }).optional(),
  /** Destroy the connection without an answer; with `afterApply`, after applying the write. */
  connectionReset: TriggerSchema.extend({ afterApply: z.boolean().optional() }).optional(),
});
export type Faults = z.output<typeof FaultsSchema>;
export type FaultsInput = z.input<typeof FaultsSchema>;

type Trigger = z.output<typeof TriggerSchema>;

/** Decides, and counts down, whether a trigger fires for this request. */
export function fires(trigger: Trigger | undefined, random: () => number = Math.random): boolean {
  if (!trigger) return false;
  if (trigger.count !== undefined && trigger.count > 0) {
    trigger.count -= 1;
    return true;
  }
  return trigger.rate !== undefined && trigger.rate > 0 && random() < trigger.rate;
}

/** Whether the faults apply to this method at all. */
export function appliesTo(faults: Faults, method: string): boolean {
  return !faults.methods || faults.methods.map((m) => m.toUpperCase()).includes(method.toUpperCase());
}
