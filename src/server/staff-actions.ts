import type { StaffAction } from '../staff/workspace.ts';
import { DeskError } from '../tickets/errors.ts';

/** Turns a workspace form into an action; unknown or incomplete forms are a 400 with a reason. */
export function formToStaffAction(values: Record<string, string>): StaffAction {
  switch (values['action']) {
    case 'reply':
    case 'note':
      return { kind: 'reply', text: values['text'] ?? '', visibility: values['action'] === 'reply' ? 'public' : 'internal' };
    case 'take':
      return { kind: 'take' };
    case 'label': {
      const group = values['group'];
      if (group !== 'status' && group !== 'priority' && group !== 'type' && group !== 'category') throw new DeskError('invalid_input', { message: 'Choose status, priority, type or category.' });
      return { kind: 'label', group, value: values['value'] ?? '' };
    }
    case 'escalate':
      return { kind: 'escalate', reason: values['reason'] ?? '' };
    case 'close':
      return { kind: 'close' };
    case 'reopen':
      return { kind: 'reopen' };
    default:
      throw new DeskError('invalid_input', { message: 'Unknown action; use the buttons on the ticket page.' });
  }
}
