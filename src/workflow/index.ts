/** Staff-side automation: webhooks and the sweep drive the ticket model's rules (routing, escalation, notifications, ticket cards). */
export { openWorkflow, type Workflow, type WorkflowOptions, type WebhookDelivery, type DeliveryOutcome } from './workflow.ts';
export { syncTicket, computeTicketCard, isDeskTicket, kindContext, type SyncDeps, type SyncResult } from './sync-ticket.ts';
export { WorkflowStore, kindRegistry, type TicketRecord } from './store.ts';
export { routingPool, nextInRotation, notifiedSupporters } from './routing.ts';
export { nextTier, parseEscalateCommand, escalationNote } from './escalation.ts';
export { planNotice, factsOf, noticeKey, type Notice, type PlannedMail, type TicketFacts } from './notifications.ts';
export { ticketFigures, renderCard, formatDuration, type TicketCard, type CardTicket, type TicketFigures } from './card.ts';
