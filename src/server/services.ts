import type { Config } from './config-schema.ts';
import type { CustomerAccess } from './customer-access.ts';
import type { RateLimits } from './rate-limits.ts';
import type { Desk } from '../tickets/desk.ts';
import type { Workspace } from '../staff/workspace.ts';
import type { StaffAccess } from './staff-access.ts';

/** What on-demand pages and endpoints use; built once per server process by the composition root. */
export interface Services {
  config: Config;
  desk: Desk;
  access: CustomerAccess;
  rateLimits: RateLimits;
  /** Staff sign-in and sessions. */
  staffAccess: StaffAccess;
  /** What the staff pages do. */
  workspace: Workspace;
  /** Public origin for links in mails. */
  siteUrl: string;
}
