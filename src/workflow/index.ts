/** Staff-side automation: status transitions, label repair, routing, escalation, notifications, ticket cards. */
export { openWorkflow, type Workflow, type WorkflowOptions, type WebhookDelivery, type DeliveryOutcome } from './workflow.ts';
export { syncTicket, computeTicketCard, isDeskTicket, type SyncDeps, type SyncResult } from './sync-ticket.ts';
export { WorkflowStore, type TicketRecord } from './store.ts';
export { repairLabels, statusLabelOf, withStatus } from './labels.ts';
export { statusAfter, type StatusTrigger } from './transitions.ts';
export { routingPool, nextInRotation, notifiedSupporters } from './routing.ts';
export { nextTier, parseEscalateCommand, escalationNote } from './escalation.ts';
export { firstSightKind, kindOf } from './message-kinds.ts';
export { planNotice, factsOf, noticeKey, type Notice, type PlannedMail, type TicketFacts } from './notifications.ts';
export { ticketFigures, renderCard, formatDuration, type TicketCard, type CardTicket, type TicketFigures } from './card.ts';
