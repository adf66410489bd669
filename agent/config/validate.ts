/** Validation of a whole config, with problems that name the setting they are about. */
import type * as z from '../../core/zod.ts';
import { type Path, pathToKey } from './paths.ts';
import { type Config, configSchema } from './schema/index.ts';

export type Problem = { key: string; path: Path; message: string };

export type Validated = { ok: true; config: Config } | { ok: false; problems: Problem[] };

export function validateConfig(candidate: unknown): Validated {
  const r = configSchema.safeParse(candidate);
  if (r.success) return { ok: true, config: r.data };
  return { ok: false, problems: r.error.issues.flatMap(toProblems) };
}

function toProblems(issue: z.core.$ZodIssue): Problem[] {
  const path = issue.path as Path;
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({ key: pathToKey([...path, k]), path: [...path, k], message: 'is not a setting' }));
  }
  let message = issue.message;
  if (issue.code === 'invalid_type') message = `must be ${article(issue.expected)}`;
  return [{ key: pathToKey(path) || '(config)', path, message }];
}

function article(expected: string): string {
  const names: Record<string, string> = {
    number: 'a number',
    int: 'a whole number',
    string: 'text',
    boolean: 'true or false',
    object: 'an object',
    array: 'a list',
  };
  return names[expected] ?? expected;
}

/** `intercom.maxCallTime: must be at most 120` */
export function formatProblems(problems: Problem[]): string {
  return problems.map((p) => `${p.key}: ${p.message}`).join('\n');
}

/** Thrown when a change is refused; nothing was changed. */
export class ConfigError extends Error {
  readonly problems: Problem[];
  constructor(problems: Problem[]) {
    super(formatProblems(problems));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
