import { describe, expect, it } from 'vitest';
import { escalationFactsOf, ticketWindows, type EscalationFacts, type StaffMessageView } from '../../../src/staff/workspace.ts';
import { escalationNote } from '../../../src/workflow/escalation.ts';

const at = (minute: number) => `2026-03-02T10:${String(minute).padStart(2, '0')}:00Z`;

function message(id: number | undefined, kind: StaffMessageView['kind'], escalation?: EscalationFacts): StaffMessageView {
  return { id, kind, authorName: kind, html: `<p>${kind} ${id ?? 'opening'}</p>`, createdAt: at(id ?? 0), edited: false, rating: undefined, attachments: [], escalation };
}

const escalated: EscalationFacts = { by: 'support-anna', reason: 'Needs a warehouse decision', outcome: { kind: 'assigned', login: 'support-lead', tier: 2 } };

// Every kind, interleaved as a thread has them.
const thread = [
  message(undefined, 'opening'),
  message(1, 'system'),
  message(2, 'customer'),
  message(3, 'internal-note'),
  message(4, 'staff-reply'),
  message(5, 'outsider'),
  message(6, 'customer'),
  message(7, 'internal-note'),
  message(8, 'staff-reply'),
];
const ids = (messages: readonly StaffMessageView[]) => messages.map((m) => m.id ?? 'opening');

describe('the Main and Internal windows', () => {
  it('puts what the customer shares in Main and everything staff-only in Internal, each in thread order', () => {
    const windows = ticketWindows(thread, { status: 'open', assignees: ['support-anna'] });
    expect(ids(windows.main)).toEqual(['opening', 2, 4, 6, 8]);
    expect(ids(windows.internal)).toEqual([1, 3, 5, 7]);
    expect(windows.escalation).toBeUndefined();
  });

  it.each([
    ['opening', 'main'],
    ['customer', 'main'],
    ['staff-reply', 'main'],
    ['internal-note', 'internal'],
    ['system', 'internal'],
    ['outsider', 'internal'],
  ] as const)('%s goes to %s', (kind, side) => {
    const windows = ticketWindows([message(1, kind)], { status: 'open', assignees: [] });
    expect(windows[side].map((m) => m.kind)).toEqual([kind]);
    expect(windows[side === 'main' ? 'internal' : 'main']).toEqual([]);
  });

  it('opens Internal with the escalation: the latest note names who escalated, why, when, and the tier it went to', () => {
    const first: EscalationFacts = { by: undefined, reason: 'no reason given (the label was set in the issue UI)', outcome: { kind: 'assigned', login: 'support-lead', tier: 2 } };
    const second: EscalationFacts = { ...escalated, outcome: { kind: 'assigned', login: 'it-oncall', tier: 3 } };
    const windows = ticketWindows([...thread, message(9, 'system', first), message(10, 'internal-note'), message(11, 'system', second)], {
      status: 'escalated',
      // Reassigned by hand since: the note still says who it was escalated to.
      assignees: ['support-ben'],
    });
    expect(ids(windows.internal)).toEqual([1, 3, 5, 7, 9, 10, 11]);
    expect(windows.escalation).toEqual({
      notes: [
        { ...first, messageId: 9, at: at(9) },
        { ...second, messageId: 11, at: at(11) },
      ],
      to: ['it-oncall'],
    });
  });

  it('counts a past escalation after the status moved on, and names the assignees the last tier kept', () => {
    const lastTier: EscalationFacts = { ...escalated, outcome: { kind: 'last-tier' } };
    expect(ticketWindows([message(1, 'system', lastTier)], { status: 'open', assignees: ['it-oncall'] }).escalation?.to).toEqual(['it-oncall']);
  });

  it('names nobody while the note is not written yet, or when the Git host refused the tier', () => {
    expect(ticketWindows(thread, { status: 'escalated', assignees: ['support-anna'] }).escalation).toEqual({ notes: [], to: [] });
    const refused: EscalationFacts = { ...escalated, outcome: { kind: 'not-assigned', login: 'support-lead', tier: 2, error: 'not a collaborator' } };
    expect(ticketWindows([message(1, 'system', refused)], { status: 'escalated', assignees: ['support-anna'] }).escalation?.to).toEqual([]);
  });

  it('takes escalation facts from system messages only', () => {
    expect(ticketWindows([message(1, 'internal-note', escalated)], { status: 'open', assignees: [] }).escalation).toBeUndefined();
  });
});

describe('reading an escalation note back', () => {
  it('reads who escalated, the reason and the tier assigned from the note the workflow writes', () => {
    const body = escalationNote({ by: 'support-anna', reason: 'Needs a warehouse decision', to: { login: 'support-lead', tier: 2 }, from: ['support-ben'] });
    expect(escalationFactsOf(body)).toEqual(escalated);
  });

  it('keeps a reason of several paragraphs whole, with CRLF line ends as a Git host may return them', () => {
    const reason = 'Two things:\n\nAssigned to @nobody (tier 9) is what the customer claims.\n\nSee the order.';
    const body = escalationNote({ by: 'support-anna', reason, to: { login: 'support-lead', tier: 2 }, from: [] }).replace(/\n/g, '\r\n');
    expect(escalationFactsOf(body)).toEqual({ ...escalated, reason });
  });

  it('reads the last tier and a refused assignee', () => {
    expect(escalationFactsOf(escalationNote({ by: 'support-anna', reason: 'Still broken', to: undefined, from: ['it-oncall'] })).outcome).toEqual({ kind: 'last-tier' });
    expect(escalationFactsOf(escalationNote({ by: 'support-anna', reason: 'x', to: { login: 'support-lead', tier: 2 }, from: [], assignError: 'Validation Failed' })).outcome).toEqual({
      kind: 'not-assigned',
      login: 'support-lead',
      tier: 2,
      error: 'Validation Failed',
    });
  });

  it('names nobody for an escalation the sweep found without knowing who', () => {
    const facts = escalationFactsOf(escalationNote({ by: undefined, reason: undefined, to: { login: 'support-lead', tier: 2 }, from: [] }));
    expect(facts).toEqual({ by: undefined, reason: 'no reason given', outcome: { kind: 'assigned', login: 'support-lead', tier: 2 } });
  });

  it('claims nothing from a note edited out of the help desk wording', () => {
    expect(escalationFactsOf('Escalated to the boss, see Slack.')).toEqual({ by: undefined, reason: undefined, outcome: undefined });
  });
});
