import { join } from 'node:path';
import { z } from 'zod';
import { MESSAGE_KINDS, type MessageKind, type MessageKindRegistry } from '../tickets/message-kinds.ts';
import { DurableLog } from '../store/durable-log.ts';


/** What the workflow remembers about one ticket between events. */
export const TicketRecordSchema = z.strictObject({
  number: z.number(),
  /** Routing ran (or the ticket predates the workflow): a later unassignment is deliberate, not new work. */
  routed: z.boolean(),
  /** The status label the workflow last left on the ticket; tells a fresh `status: escalated` from an old one. */
  status: z.string().optional(),
  /** How many escalations ran; keys the escalation notes so a retry finds its note instead of writing another. */
  escalations: z.number().int().min(0),
  /** The newest message id the workflow has acted on (ids grow with time); later ones are new to it. */
  handledUpTo: z.number().int().min(0).optional(),
});
export type TicketRecord = z.output<typeof TicketRecordSchema>;

const RecordSchema = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('installed'), at: z.string() }),
  z.strictObject({ t: z.literal('kind'), id: z.number(), kind: z.enum(MESSAGE_KINDS as [MessageKind, ...MessageKind[]]) }),
  z.strictObject({ t: z.literal('ticket'), ticket: TicketRecordSchema }),
  z.strictObject({ t: z.literal('route'), pool: z.string(), login: z.string() }),
  z.strictObject({ t: z.literal('delivery'), id: z.string(), hash: z.string() }),
  z.strictObject({ t: z.literal('cursor'), since: z.string() }),
]);
type StoreRecord = z.output<typeof RecordSchema>;

/** Deliveries remembered for de-duplication; GitHub redelivers within days, far fewer than this. */
const DELIVERIES_KEPT = 10_000;

/**
 * The workflow's durable memory under `DATA_DIR/workflow`: when it was installed, the kind of every
 * message at first sight, per-ticket records, round-robin pointers, handled webhook deliveries and the
 * sweep cursor. One fsync'd journal; compacted into a snapshot when it grows.
 */
export class WorkflowStore implements MessageKindRegistry {
  /** When the workflow first ran (ms, whole seconds); earlier events are learnt, not acted on. */
  readonly installedAt: number;
  private readonly log: DurableLog<StoreRecord>;
  private readonly kinds = new Map<number, MessageKind>();
  private readonly tickets = new Map<number, TicketRecord>();
  private readonly routes = new Map<string, string>();
  private readonly deliveries = new Map<string, string>();
  private readonly hashes = new Set<string>();
  private sweepCursor: string | undefined;

  constructor(dir: string, warn: (message: string) => void = console.warn) {
    let installed: string | undefined;
    this.log = DurableLog.open(join(dir, 'journal.ndjson'), RecordSchema, (r) => {
      if (r.t === 'installed') installed ??= r.at;
      else this.apply(r);
    }, warn);
    if (installed === undefined) {
      installed = new Date().toISOString();
      this.log.append({ t: 'installed', at: installed });
    }
    // Git hosts stamp events to the second: an event in the second of installation counts as after it.
    this.installedAt = Math.floor(Date.parse(installed) / 1000) * 1000;
  }

  private apply(r: Exclude<StoreRecord, { t: 'installed' }>): void {
    switch (r.t) {
      case 'kind':
        if (!this.kinds.has(r.id)) this.kinds.set(r.id, r.kind);
        break;
      case 'ticket':
        this.tickets.set(r.ticket.number, r.ticket);
        break;
      case 'route':
        this.routes.set(r.pool, r.login);
        break;
      case 'delivery':
        this.deliveries.set(r.id, r.hash);
        this.hashes.add(r.hash);
        if (this.deliveries.size > DELIVERIES_KEPT) {
          const [oldest, hash] = this.deliveries.entries().next().value as [string, string];
          this.deliveries.delete(oldest);
          this.hashes.delete(hash);
        }
        break;
      case 'cursor':
        this.sweepCursor = r.since;
        break;
    }
  }

  private write(...records: Array<Exclude<StoreRecord, { t: 'installed' }>>): void {
    this.log.append(...records);
    for (const r of records) this.apply(r);
    if (this.log.size > DELIVERIES_KEPT + 4 * (this.kinds.size + this.tickets.size) + 1000) this.compact();
  }

  private compact(): void {
    this.log.compact([
      { t: 'installed', at: new Date(this.installedAt).toISOString() },
      ...[...this.kinds].map(([id, kind]) => ({ t: 'kind' as const, id, kind })),
      ...[...this.tickets.values()].map((ticket) => ({ t: 'ticket' as const, ticket })),
      ...[...this.routes].map(([pool, login]) => ({ t: 'route' as const, pool, login })),
      ...[...this.deliveries].map(([id, hash]) => ({ t: 'delivery' as const, id, hash })),
      ...(this.sweepCursor ? [{ t: 'cursor' as const, since: this.sweepCursor }] : []),
    ]);
  }

  get(id: number): MessageKind | undefined {
    return this.kinds.get(id);
  }

  remember(id: number, kind: MessageKind): MessageKind {
    const known = this.kinds.get(id);
    if (known) return known;
    this.write({ t: 'kind', id, kind });
    return kind;
  }

  /** Records several first-sight kinds in one durable write. */
  rememberAll(entries: ReadonlyArray<readonly [number, MessageKind]>): void {
    const fresh = entries.filter(([id]) => !this.kinds.has(id));
    if (fresh.length > 0) this.write(...fresh.map(([id, kind]) => ({ t: 'kind' as const, id, kind })));
  }

  ticket(number: number): TicketRecord | undefined {
    return this.tickets.get(number);
  }

  saveTicket(ticket: TicketRecord, route?: { pool: string; login: string }): void {
    this.write({ t: 'ticket', ticket }, ...(route ? [{ t: 'route' as const, ...route }] : []));
  }

  /** The login the pool's rotation assigned last. */
  lastRouted(pool: string): string | undefined {
    return this.routes.get(pool);
  }

  /** Whether a delivery (by id or by exact payload) was handled before. */
  hasDelivery(id: string | undefined, hash: string): boolean {
    return (id !== undefined && this.deliveries.has(id)) || this.hashes.has(hash);
  }

  rememberDelivery(id: string, hash: string): void {
    this.write({ t: 'delivery', id, hash });
  }

  get cursor(): string | undefined {
    return this.sweepCursor;
  }

  setCursor(since: string): void {
    if (since !== this.sweepCursor) this.write({ t: 'cursor', since });
  }

  close(): void {
    this.log.close();
  }
}
