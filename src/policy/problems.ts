/** Collecting and printing the findings of `policy check`. */
import type { PolicyProblem, ProblemSeverity } from './types.js';

export class ProblemList {
  readonly items: PolicyProblem[] = [];

  add(severity: ProblemSeverity, path: string, message: string): void {
    this.items.push({ severity, path, message });
  }

  error(path: string, message: string): void {
    this.add('error', path, message);
  }

  violation(path: string, message: string): void {
    this.add('violation', path, message);
  }

  warning(path: string, message: string): void {
    this.add('warning', path, message);
  }

  get hasErrors(): boolean {
    return this.items.some((p) => p.severity === 'error');
  }
}

const ORDER: Record<ProblemSeverity, number> = { error: 0, violation: 1, warning: 2 };

/** One line per problem, errors first: `error  agents[x].approved_by: message`, then a count. */
export function formatProblems(problems: readonly PolicyProblem[]): string {
  if (problems.length === 0) return 'policy ok: no problems\n';
  const sorted = [...problems].sort((a, b) => ORDER[a.severity] - ORDER[b.severity]);
  const lines = sorted.map((p) => `${p.severity}  ${p.path}: ${p.message}`);
  const count = (s: ProblemSeverity) => problems.filter((p) => p.severity === s).length;
  lines.push(`${count('error')} error(s), ${count('violation')} violation(s), ${count('warning')} warning(s)`);
  return `${lines.join('\n')}\n`;
}

/** Array elements are named by their id (agents[ticket-summarizer]); maps by their key. */
const LABEL_KEYS: Record<string, string> = {
  owners: 'id',
  agents: 'id',
  operators: 'id',
  intents: 'name',
  issuers: 'issuer',
  operator_issuers: 'issuer',
};
const MAP_KEYS = new Set(['tiers', 'claims', 'roles']);

/** Turns raw path segments (as in the YAML) into the report's form, naming elements by id. */
export function formatPath(root: unknown, segments: ReadonlyArray<string | number>): string {
  let out = '';
  let node: unknown = root;
  let parentKey = '';
  for (const segment of segments) {
    if (Array.isArray(node)) {
      const index = Number(segment);
      const element: unknown = node[index];
      const labelKey = LABEL_KEYS[parentKey];
      const label = labelKey !== undefined && isRecord(element) ? element[labelKey] : undefined;
      out += typeof label === 'string' && label.length > 0 ? `[${label}]` : `[${index}]`;
      node = element;
    } else {
      const key = String(segment);
      out += MAP_KEYS.has(parentKey) ? `[${key}]` : out === '' ? key : `.${key}`;
      node = isRecord(node) ? node[key] : undefined;
      parentKey = key;
    }
  }
  return out === '' ? '(root)' : out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
