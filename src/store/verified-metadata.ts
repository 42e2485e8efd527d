import { TicketMetadataSchema, type TicketMetadata } from '../tickets/metadata.ts';
import type { Database } from './database.ts';

/*
 * The last verified metadata of each bot body on the Git host (ids like `issue:12`, `comment:345`), and the last
 * rejected version of it, kept in the store: a ticket keeps its verified values when its block is edited on the
 * host, a block copied from another body is caught, and each rejected version is logged once — across restarts
 * and instances, for every body, with memory bounded by `cached` rather than by the shop's history.
 */

/** What the Git host adapter asks of it (git-host/mapping.ts's MetadataMemory). */
export interface StoredMetadataMemory {
  /** Reads what the store knows of these bodies into memory, so the (synchronous) mapping that follows sees it. */
  load(ids: readonly string[]): Promise<void>;
  recall(id: string): TicketMetadata | undefined;
  remember(id: string, meta: TicketMetadata): void;
  /** True the first time this version (a hash of the body) of the body is rejected. */
  firstRejection(id: string, version: string): boolean;
  /** Drops what is held or about to be written of these bodies (their rows are deleted with the ticket's records). */
  forget(ids: readonly string[]): void;
  /** Resolves once every change so far is written. */
  flushed(): Promise<void>;
}

interface Known {
  meta: TicketMetadata | undefined;
  /** `meta` as stored, to write only what changed. */
  json: string;
  rejected: string;
}

function parseOrUndefined(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    return undefined;
  }
}

/** Rows read or written per statement: well inside both engines' limits on bound parameters. */
const LOAD_CHUNK = 500;

/**
 * @param cached bodies held in memory, least recently used dropped first; a body not held is read again by `load`.
 */
export function createStoredMetadataMemory(database: Database, options: { cached?: number; log?: Pick<Console, 'warn'> } = {}): StoredMetadataMemory {
  const limit = options.cached ?? 2_000;
  const log = options.log ?? console;
  const known = new Map<string, Known>();
  const pending = new Map<string, { meta: string; body_hash: string }>();
  let writing: Promise<void> = Promise.resolve();
  let scheduled = false;

  const keep = (id: string, entry: Known) => {
    known.delete(id);
    known.set(id, entry);
    if (known.size > limit) known.delete(known.keys().next().value as string);
  };

  const write = (id: string, entry: Known) => {
    keep(id, entry);
    pending.set(id, { meta: entry.json, body_hash: entry.rejected });
    if (scheduled) return;
    scheduled = true;
    // Every change made in this turn goes in one write; losing the last ones to a power cut only forgets them.
    setImmediate(() => {
      scheduled = false;
      const rows = [...pending].map(([id, row]) => ({ id, ...row }));
      pending.clear();
      // Nothing left when everything changed this turn was forgotten again.
      if (rows.length === 0) return;
      writing = writing.then(() =>
        database
          .relaxed(async (db) => {
            // A list of every ticket maps thousands of bodies in one turn: in chunks, inside both engines' limits on parameters.
            for (let start = 0; start < rows.length; start += LOAD_CHUNK)
              await db
                .insertInto('verified_metadata')
                .values(rows.slice(start, start + LOAD_CHUNK))
                .onConflict((oc) => oc.column('id').doUpdateSet((eb) => ({ meta: eb.ref('excluded.meta'), body_hash: eb.ref('excluded.body_hash') })))
                .execute();
          })
          .then(
            () => undefined,
            (error: unknown) =>
              log.warn(
                `helpdesk: could not keep the verified metadata of ${rows.length} bodies (${error instanceof Error ? error.message : String(error)}); they are checked again on their next read`,
              ),
          ),
      );
    });
  };

  return {
    async load(ids) {
      const missing = [...new Set(ids)].filter((id) => !known.has(id));
      for (let start = 0; start < missing.length; start += LOAD_CHUNK) {
        const chunk = missing.slice(start, start + LOAD_CHUNK);
        const rows = await database.db.selectFrom('verified_metadata').select(['id', 'meta', 'body_hash']).where('id', 'in', chunk).execute();
        const found = new Map(rows.map((row) => [row.id, row]));
        for (const id of chunk) {
          // Remembered meanwhile (a write of this process): that is newer than the row.
          if (known.has(id)) continue;
          const row = found.get(id);
          // A row that no longer parses (an older schema) counts as nothing known: the next verified block replaces it.
          const parsed = row ? TicketMetadataSchema.safeParse(parseOrUndefined(row.meta)) : undefined;
          keep(id, { meta: parsed?.success ? parsed.data : undefined, json: row?.meta ?? 'null', rejected: row?.body_hash ?? '' });
        }
      }
    },
    recall(id) {
      const entry = known.get(id);
      if (entry) keep(id, entry);
      return entry?.meta;
    },
    remember(id, meta) {
      const json = JSON.stringify(meta);
      const entry = known.get(id);
      if (entry?.json === json) return;
      write(id, { meta, json, rejected: entry?.rejected ?? '' });
    },
    firstRejection(id, version) {
      const entry = known.get(id);
      if (entry?.rejected === version) return false;
      write(id, { meta: entry?.meta, json: entry?.json ?? 'null', rejected: version });
      return true;
    },
    forget(ids) {
      for (const id of ids) {
        known.delete(id);
        pending.delete(id);
      }
    },
    async flushed() {
      while (scheduled || pending.size > 0) await new Promise((resolve) => setImmediate(resolve));
      await writing;
    },
  };
}
