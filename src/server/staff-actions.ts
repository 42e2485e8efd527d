import type { StaffAction } from '../staff/workspace.ts';
import { DeskError } from '../tickets/errors.ts';
import type { Config } from '../config/config-schema.ts';
import type { Presence } from './presence.ts';

/** Turns a workspace form into an action; unknown or incomplete forms are a 400 with a reason. */
export function formToStaffAction(values: Record<string, string>): StaffAction {
  switch (values['action']) {
    case 'reply':
    case 'note':
      return { kind: 'reply', text: values['text'] ?? '', visibility: values['action'] === 'reply' ? 'public' : 'internal' };
    case 'take':
      return { kind: 'take' };
    case 'assign':
      return { kind: 'assign', to: values['to'] ?? '' };
    case 'unassign':
      return { kind: 'unassign' };
    case 'properties': {
      const chosen: Partial<Record<'status' | 'priority' | 'type' | 'category', string>> = {};
      for (const group of ['status', 'priority', 'type', 'category'] as const) if (values[group] !== undefined) chosen[group] = values[group];
      return { kind: 'properties', values: chosen };
    }
    case 'label': {
      const group = values['group'];
      if (group !== 'status' && group !== 'priority' && group !== 'type' && group !== 'category') throw new DeskError('invalid_input', { message: 'Choose status, priority, type or category.' });
      return { kind: 'label', group, value: values['value'] ?? '' };
    }
    case 'escalate':
      return { kind: 'escalate', reason: values['reason'] ?? '' };
    case 'merge': {
      const into = Number((values['into'] ?? '').trim().replace(/^#/, ''));
      return { kind: 'merge', into: Number.isSafeInteger(into) ? into : 0, anyway: values['anyway'] === 'yes' };
    }
    case 'close':
      return { kind: 'close', confirmed: values['confirm'] === 'yes' };
    case 'reopen':
      return { kind: 'reopen' };
    default:
      throw new DeskError('invalid_input', { message: 'Unknown action; use the buttons on the ticket page.' });
  }
}

/**
 * Sets a supporter present or away from the staff pages' form (`login`, `present` = yes | no): anyone for
 * themselves, admins (`admin: true` on their staff account) for others. Only supporters the config names.
 */
export async function setPresenceFromForm(input: { config: Config; presence: Presence; actor: string; values: Record<string, string> }): Promise<void> {
  const { config, presence, actor, values } = input;
  const login = (values['login'] ?? actor).trim();
  const supporter = config.supporters.find((s) => s.login.toLowerCase() === login.toLowerCase());
  if (!supporter) throw new DeskError('invalid_input', { message: `${login} is not a supporter: add them under "supporters" in the config file first.` });
  const self = supporter.login.toLowerCase() === actor.toLowerCase();
  const admin = config.staffAccounts.some((a) => a.login.toLowerCase() === actor.toLowerCase() && a.admin);
  if (!self && !admin) throw new DeskError('forbidden', { message: 'Only admins set other supporters present or away; you can set yourself.' });
  if (values['present'] !== 'yes' && values['present'] !== 'no') throw new DeskError('invalid_input', { message: 'Say present (yes) or away (no).' });
  await presence.set(supporter.login, values['present'] === 'yes');
}
