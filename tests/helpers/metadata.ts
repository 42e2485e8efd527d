import { readFileSync } from 'node:fs';
import path from 'node:path';
import { deriveMetadataKey, readMetadata, type MetadataKey, type TicketMetadata } from '../../src/tickets/metadata.ts';

/** The metadata key of a site server started on `dataDir` (its generated session secret). */
export function siteMetadataKey(dataDir: string): MetadataKey {
  return deriveMetadataKey(readFileSync(path.join(dataDir, 'secrets', 'session-secret'), 'utf8').trim());
}

/** Reads an issue's or comment's verified metadata as the site server on `dataDir` would. */
export function siteMetadata(dataDir: string, body: string | null | undefined, author: { login: string } | null | undefined): TicketMetadata | undefined {
  return readMetadata(body, author, 'helpdesk-bot', siteMetadataKey(dataDir));
}
