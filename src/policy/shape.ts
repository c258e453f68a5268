/**
 * Shape checks with ajv (allErrors: every problem at once), with its JSON Pointer
 * error locations translated to the report's id-based paths.
 */
import AjvModule, { type ErrorObject, type ValidateFunction } from 'ajv';
import type { TSchema } from '@sinclair/typebox';
import { formatPath } from './problems.js';
import type { ProblemList } from './problems.js';
import {
  AgentSchema,
  IssuerSchema,
  OperatorIssuerSchema,
  OperatorSchema,
  OwnerSchema,
  PolicySchema,
  TierSchema,
  UserIssuerSchema,
} from './schema.js';

const Ajv = AjvModule.default;
const strictAjv = new Ajv({ allErrors: true, strict: true });
/**
 * For the semantic pass only: drops unknown keys (already reported by the strict pass)
 * so one typo does not hide the rest of an entry's problems. Applied to clones.
 */
const lenientAjv = new Ajv({ allErrors: false, strict: true, removeAdditional: true });

function lenient<T extends TSchema>(schema: T): ValidateFunction {
  return lenientAjv.compile(schema);
}

/** Whole-document validator (reports), plus one per entity picking the entries fit for the semantic pass. */
export const validators = {
  policy: strictAjv.compile(PolicySchema),
  owner: lenient(OwnerSchema),
  tier: lenient(TierSchema),
  issuer: lenient(IssuerSchema),
  userIssuer: lenient(UserIssuerSchema),
  agent: lenient(AgentSchema),
  operator: lenient(OperatorSchema),
  operatorIssuer: lenient(OperatorIssuerSchema),
};

/** Reports every shape error of the document. */
export function checkShape(raw: unknown, problems: ProblemList): void {
  if (validators.policy(raw)) return;
  const seen = new Set<string>();
  for (const error of validators.policy.errors ?? []) {
    const { segments, message } = describe(error);
    const line = `${formatPath(raw, segments)}\u0000${message}`;
    if (seen.has(line)) continue;
    seen.add(line);
    problems.error(formatPath(raw, segments), message);
  }
}

function describe(error: ErrorObject): { segments: string[]; message: string } {
  // RFC 6901: decode ~1 then ~0 in each reference token.
  const segments = error.instancePath === ''
    ? []
    : error.instancePath.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { segments: [...segments, String(params.missingProperty)], message: 'is required' };
    case 'additionalProperties':
      return { segments: [...segments, String(params.additionalProperty)], message: 'unknown key (check the spelling)' };
    case 'type':
      return { segments, message: `must be ${article(String(params.type))}` };
    case 'const':
      return { segments, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'enum':
      return { segments, message: `must be one of: ${(params.allowedValues as unknown[]).join(', ')}` };
    default:
      return { segments, message: error.message ?? 'is invalid' };
  }
}

function article(type: string): string {
  if (type === 'object') return 'a mapping';
  if (type === 'array') return 'a list';
  if (type === 'integer') return 'a whole number';
  return `a ${type}`;
}
