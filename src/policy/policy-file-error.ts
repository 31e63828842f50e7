// A policy file that cannot be used, with where: `policy.yaml:12:5: rules[0].constraints: unknown key
// "privilegd" (did you mean "privileged"?); allowed keys: ...`. Every problem found is kept, first one
// first in the file; the message leads with the first.

export interface PolicyProblem {
  line: number;
  column: number;
  message: string;
}

export class PolicyFileError extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly problems: readonly PolicyProblem[];

  constructor(file: string, problems: readonly PolicyProblem[]) {
    const sorted = [...problems].sort((a, b) => a.line - b.line || a.column - b.column);
    const first = sorted[0] ?? { line: 1, column: 1, message: 'the policy cannot be read' };
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})` : '';
    super(`${file}:${first.line}:${first.column}: ${first.message}${more}`);
    this.name = 'PolicyFileError';
    this.file = file;
    this.line = first.line;
    this.column = first.column;
    this.problems = sorted;
  }

  /** Every problem, one `file:line:column: message` per line. */
  describeAll(): string {
    return this.problems.map((p) => `${this.file}:${p.line}:${p.column}: ${p.message}`).join('\n');
  }
}
