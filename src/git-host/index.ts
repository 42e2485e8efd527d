/** The one place that talks to a Git host. Everything else speaks in tickets. */
export { createGitHost, type GitHost, type GitHostOptions, type NewTicket, type NewMessage, type TicketChange, type AttachmentRef, type ReactionContent } from './git-host.ts';
export { GitHostError, isTransient, needsOperator, type GitHostErrorKind } from './errors.ts';
export { syncLabels, type LabelSyncReport } from './labels.ts';
export { checkGitHost, checkCredentials, GitHostStartupError, type GitHostCredentials, type StartupOptions, type StartupProblem, type StartupReport } from './startup.ts';
export { customerIdFor, deriveEmailKeys, sealEmail, unsealEmail } from './email-seal.ts';
export { clientStats, type GitHostAuth, type ClientOptions, type ClientStats } from './client.ts';
export { issueWebUrl, webOriginFor } from './web-origin.ts';
