import type { Config } from '../config/config-schema.ts';
import type { CustomerAccess } from './customer-access.ts';
import type { RateLimits } from './rate-limits.ts';
import type { Desk } from '../desk/desk.ts';
import type { Workflow } from '../workflow/index.ts';
import type { Workspace } from '../staff/workspace.ts';
import type { StaffAccess } from './staff-access.ts';
import type { StaffOAuth } from './staff-oauth.ts';
import type { Insights } from '../insights/insights.ts';
import type { DeliveryStatus } from '../staff/delivery-notice.ts';
import type { Presence } from './presence.ts';
import type { LiveViews } from './live-views.ts';
import type { Chat } from './chat.ts';
import type { Conversations } from '../staff/conversations.ts';
import type { SavedReply } from '../staff/saved-replies.ts';
import type { Privacy } from '../staff/privacy.ts';

/** What on-demand pages and endpoints use; built once per server process by the composition root. */
export interface Services {
  /** The config file as the server started, except `staffAccounts` and `supporters`, which follow the file (`refreshConfig`). */
  config: Config;
  /** Takes up a changed config file's staff accounts and supporters: called before each request that uses them (one `stat` when nothing changed). */
  refreshConfig(): void;
  /** Supporters present or away, set on the staff pages; the config's supporters carry the result (`present`). */
  presence: Presence;
  /** The staff pages' live updates: an event stream per page, and who has a ticket open. */
  liveViews: LiveViews;
  /** The chat widget's conversations (tickets labelled `channel: chat`) and their live streams. */
  chat: Chat;
  /** The staff chat page's conversations. */
  conversations: Conversations;
  /** The saved replies in the content folder; throws SavedReplyError naming the file and line of a broken one. */
  savedReplies(): SavedReply[];
  desk: Desk;
  access: CustomerAccess;
  rateLimits: RateLimits;
  /** Staff sign-in and sessions. */
  staffAccess: StaffAccess;
  /** "Sign in with GitHub" for staff, when configured. */
  staffOAuth: StaffOAuth | undefined;
  /** What the staff pages do. */
  workspace: Workspace;
  /** Deleting tickets and a customer's data (export, erase), for admins; every action audited. */
  privacy: Privacy;
  /** The site's origin, which every link in mail starts with: `siteUrl` from the config file, else where this server listens. */
  siteUrl: string;
  /** Looks at how a browser reached the site and warns once when mail links point elsewhere (site-url.ts). */
  checkRequestOrigin(request: Request): void;
  /** Staff-side automation; receives the Git host's webhooks. */
  workflow: Pick<Workflow, 'receive'>;
  /** Knowledgebase insights: article votes, anonymous search counts, article requests (src/insights/). */
  insights: Insights;
  /** Whether writes to the Git host are held back (a rate limit, a refused set-up) or were refused: every staff page says so. */
  deliveryStatus(): Promise<DeliveryStatus>;
  /** A keyed hash of a client address, for metering readers' writes without keeping their address. */
  anonymousClient(clientAddress: string): string;
  /** Resolves once the store's writes so far are on disk; every answer waits for it (Database.durable). */
  durable(): Promise<void>;
}
