import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigSchema, type Config } from '../config/config-schema.ts';

export { ConfigSchema, type Config, type ConfigInput } from '../config/config-schema.ts';

/** The config file at the project root. */
export const CONFIG_FILE = 'helpdesk.config.json';

/** A config file the site cannot start with; the message names each key and how to fix it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Keys whose value is never echoed: a password pasted where its hash belongs would land in the log. */
const SECRET_KEYS: readonly PropertyKey[] = ['passwordHash'];

/** Renders zod issues as one line per key: `file: key.path: problem (got value)`. */
export function formatIssues(file: string, issues: readonly z.core.$ZodIssue[], input: unknown): string {
  return issues
    .map((issue) => {
      const key = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
      const got = SECRET_KEYS.some((secret) => secret === issue.path.at(-1)) ? undefined : valueAt(input, issue.path);
      const shown = got === undefined ? '' : ` (got ${JSON.stringify(got)?.slice(0, 80)})`;
      return `${file}: ${key}: ${issue.message}${shown}`;
    })
    .join('\n');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

/** Validates config text; throws a ConfigError naming every bad key. */
export function parseConfig(text: string, file = CONFIG_FILE): Config {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${file}: not valid JSON: ${(error as Error).message}. Fix the syntax (a trailing comma or a missing quote is the usual cause).`);
  }
  const result = ConfigSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`${file} has ${result.error.issues.length} problem(s):\n${formatIssues(file, result.error.issues, input)}`);
  }
  return result.data;
}

/** Reads and validates the config file. */
export function loadConfig(file = CONFIG_FILE): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${(error as Error).message}. Create it from the example in the README.`, { cause: error });
  }
  return parseConfig(text, file);
}
