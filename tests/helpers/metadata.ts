import path from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { deriveMetadataKey, readMetadata, type MetadataKey, type TicketMetadata } from '../../src/tickets/metadata.ts';

/** A secret the site server on `dataDir` generated and keeps in its store (SQLite): 'session' or 'webhook'. */
export function siteSecret(dataDir: string, name: 'session' | 'webhook'): string {
  const store = new DatabaseSync(path.join(dataDir, 'helpdesk.sqlite'), { readOnly: true });
  try {
    const row = store.prepare('select value from meta where key = ?').get(`server:${name}`) as { value: string } | undefined;
    if (!row) throw new Error(`the site on ${dataDir} has not generated its ${name} secret yet`);
    return row.value;
  } finally {
    store.close();
  }
}

/** The metadata key of a site server started on `dataDir` (its generated session secret). */
export function siteMetadataKey(dataDir: string): MetadataKey {
  return deriveMetadataKey(siteSecret(dataDir, 'session'));
}

/** Reads an issue's or comment's verified metadata as the site server on `dataDir` would. */
export function siteMetadata(dataDir: string, body: string | null | undefined, author: { login: string } | null | undefined): TicketMetadata | undefined {
  return readMetadata(body, author, 'helpdesk-bot', siteMetadataKey(dataDir));
}
