import { z } from 'zod';
import type { Database } from '../store/database.ts';
import { MESSAGE_KINDS, type MessageKind, type MessageKindRegistry } from '../tickets/message-kinds.ts';
import { nextInRotation, type RoutingPool } from './routing.ts';

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

/** Webhook deliveries are remembered this long; GitHub redelivers within days. */
export const DELIVERIES_KEPT_MS = 30 * 24 * 60 * 60_000;

/** Keys of the workflow's facts in the `meta` table. */
export const META_INSTALLED_AT = 'workflow:installedAt';
export const META_SWEEP_CURSOR = 'workflow:sweepCursor';

/** Ids per query: well under SQLite's and PostgreSQL's parameter limits. */
const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

const KindSchema = z.enum(MESSAGE_KINDS as [MessageKind, ...MessageKind[]]);

/**
 * The kind of every message as first seen, in the store: read per thread, written insert-if-absent, so the
 * first writer wins for every view and every server process (the primary key decides a race).
 */
export function kindRegistry(database: Database): MessageKindRegistry {
  const { db } = database;
  const registry: MessageKindRegistry = {
    async getAll(ids) {
      const kinds = new Map<number, MessageKind>();
      for (const part of chunks([...new Set(ids)])) {
        const rows = await db.selectFrom('message_kinds').select(['id', 'kind']).where('id', 'in', part).execute();
        for (const row of rows) {
          const kind = KindSchema.safeParse(row.kind);
          if (kind.success) kinds.set(Number(row.id), kind.data);
        }
      }
      return kinds;
    },
    async rememberAll(entries) {
      const firstOfEach = [...new Map([...entries].reverse()).entries()].reverse();
      for (const part of chunks(firstOfEach)) {
        await db
          .insertInto('message_kinds')
          .values(part.map(([id, kind]) => ({ id, kind })))
          .onConflict((oc) => oc.column('id').doNothing())
          .execute();
      }
      // Whatever this process wrote or another wrote first: the rows decide.
      return registry.getAll(entries.map(([id]) => id));
    },
  };
  return registry;
}

/**
 * The workflow's memory in the state store, shared by every server process: when it was installed, the kind
 * of every message at first sight, per-ticket records, round-robin pointers, handled webhook deliveries and
 * the sweep cursor. Nothing is held in memory but `installedAt`; every operation that two processes may run
 * at once is one SQL statement (its own transaction on both engines), so it is atomic across them.
 */
export class WorkflowStore implements MessageKindRegistry {
  readonly database: Database;
  private readonly kinds: MessageKindRegistry;
  private installed: Promise<number> | undefined;

  constructor(database: Database) {
    this.database = database;
    this.kinds = kindRegistry(database);
  }

  private get db() {
    return this.database.db;
  }

  /**
   * When the workflow first ran (ms, whole seconds); earlier events are learnt, not acted on. The first
   * process to ask records it; the others (and later starts) read that.
   */
  installedAt(): Promise<number> {
    this.installed ??= (async () => {
      await this.db
        .insertInto('meta')
        .values({ key: META_INSTALLED_AT, value: new Date().toISOString() })
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
      const row = await this.db.selectFrom('meta').select('value').where('key', '=', META_INSTALLED_AT).executeTakeFirstOrThrow();
      // Git hosts stamp events to the second: an event in the second of installation counts as after it.
      return Math.floor(Date.parse(row.value) / 1000) * 1000;
    })().catch((error: unknown) => {
      this.installed = undefined;
      throw error;
    });
    return this.installed;
  }

  getAll(ids: readonly number[]): Promise<Map<number, MessageKind>> {
    return this.kinds.getAll(ids);
  }

  /** Records first-sight kinds unless recorded already; returns the kinds in force. */
  rememberAll(entries: ReadonlyArray<readonly [number, MessageKind]>): Promise<Map<number, MessageKind>> {
    return this.kinds.rememberAll(entries);
  }

  async ticket(number: number): Promise<TicketRecord | undefined> {
    const row = await this.db.selectFrom('workflow_tickets').select('record').where('number', '=', number).executeTakeFirst();
    return row ? TicketRecordSchema.parse(JSON.parse(row.record)) : undefined;
  }

  async saveTicket(ticket: TicketRecord): Promise<void> {
    const record = JSON.stringify(TicketRecordSchema.parse(ticket));
    await this.db
      .insertInto('workflow_tickets')
      .values({ number: ticket.number, record })
      .onConflict((oc) => oc.column('number').doUpdateSet({ record }))
      .execute();
  }

  /** The login the pool's rotation assigned last. */
  async lastRouted(pool: string): Promise<string | undefined> {
    return (await this.db.selectFrom('routes').select('login').where('pool', '=', pool).executeTakeFirst())?.login;
  }

  /**
   * Takes the next login of the pool's rotation, atomically across processes: reads the last login, chooses
   * the next with `nextInRotation` (the rule), and writes it only if the last login is still the one read
   * (compare-and-set: an insert-if-absent for a new pool, a conditional update otherwise, each one
   * statement). When another process moved the rotation in between, it reads again and chooses again, so
   * two processes routing at once never hand the same supporter two tickets in a row. The pointer moves
   * when the choice is made: an assignment the host then refuses, or a sync that fails and is retried,
   * skips that supporter's turn rather than risking a double assignment.
   */
  async nextRoute(pool: RoutingPool): Promise<{ login: string; previous: string | undefined } | undefined> {
    for (let attempt = 0; attempt < 50; attempt++) {
      const previous = await this.lastRouted(pool.key);
      const login = nextInRotation(pool, previous);
      if (login === undefined) return undefined;
      const written =
        previous === undefined
          ? await this.db
              .insertInto('routes')
              .values({ pool: pool.key, login })
              .onConflict((oc) => oc.column('pool').doNothing())
              .executeTakeFirst()
          : await this.db.updateTable('routes').set({ login }).where('pool', '=', pool.key).where('login', '=', previous).executeTakeFirst();
      const count = 'numInsertedOrUpdatedRows' in written ? written.numInsertedOrUpdatedRows : written.numUpdatedRows;
      if (Number(count ?? 0) === 1) return { login, previous };
    }
    throw new Error(`the rotation of ${pool.key} kept changing under this process; try again`);
  }

  /**
   * Remembers a webhook delivery by id and by body hash (a replay under a fresh id), insert-if-absent on
   * both: true only for the first process to remember it, so a delivery posted to two instances is
   * processed once.
   */
  async rememberDelivery(id: string, hash: string, now = Date.now()): Promise<boolean> {
    const rows = await this.db
      .insertInto('deliveries')
      .values({ id, hash, at: now })
      .onConflict((oc) => oc.doNothing())
      .returning('id')
      .execute();
    return rows.length === 1;
  }

  /** Forgets deliveries older than `DELIVERIES_KEPT_MS`. */
  async pruneDeliveries(now = Date.now()): Promise<number> {
    const result = await this.db
      .deleteFrom('deliveries')
      .where('at', '<', now - DELIVERIES_KEPT_MS)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Where the last sweep got to (the host's `updated_at` of the newest ticket it read). */
  async cursor(): Promise<string | undefined> {
    return (await this.db.selectFrom('meta').select('value').where('key', '=', META_SWEEP_CURSOR).executeTakeFirst())?.value;
  }

  /** Moves the sweep cursor forward only: a slower sweep of another process never moves it back. */
  async setCursor(since: string): Promise<void> {
    await this.db
      .insertInto('meta')
      .values({ key: META_SWEEP_CURSOR, value: since })
      .onConflict((oc) =>
        oc
          .column('key')
          .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') }))
          .where('meta.value', '<', since),
      )
      .execute();
  }
}
