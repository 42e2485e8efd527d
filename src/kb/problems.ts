/** One thing wrong with the knowledgebase, located so an editor can jump to it. */
export interface Problem {
  /** Path as the user gave it plus the file's path below it, e.g. `content/articles/orders/track.md`. */
  file: string;
  /** 1-based line in the file. */
  line: number;
  message: string;
  /** How to fix it. */
  hint?: string;
  severity: 'error' | 'warning';
}

/** `file:line: severity: message (hint)`, the format editors and CI logs link. */
export function formatProblem(problem: Problem): string {
  const hint = problem.hint ? `\n    hint: ${problem.hint}` : '';
  return `${problem.file}:${problem.line}: ${problem.severity}: ${problem.message}${hint}`;
}

/** Thrown by the build when the content has errors; the message lists each one. */
export class ContentError extends Error {
  override name = 'ContentError';
  readonly problems: readonly Problem[];
  constructor(problems: readonly Problem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    super(`The knowledgebase has ${errors.length} error(s):\n${errors.map(formatProblem).join('\n')}\nRun \`npm run kb:check\` to see them all.`);
    this.problems = problems;
  }
}
