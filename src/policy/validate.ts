/**
 * validatePolicyDocument: the raw YAML value in, the typed policy and every problem out.
 * Shape first (ajv), then each well-formed entry is checked for values and references,
 * so one run lists every problem. Pure apart from reading jwks files via `readFile`.
 */
import { closeSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { scanForPrivateKeys } from './keys.js';
import { formatPath, isRecord, ProblemList } from './problems.js';
import { checkShape } from './shape.js';
import type { Policy, PolicyProblem } from './types.js';
import { readAgents } from './validate-agents.js';
import type { ValidateContext, ValidateOptions } from './validate-common.js';
import { checkDevelopmentCredentials } from './validate-dev-credentials.js';
import { declaredIssuerNames, readIssuers, readOperatorIssuers, readUserIssuers } from './validate-issuers.js';
import { readOperators } from './validate-operators.js';
import { readOwners, readTiers } from './validate-tiers.js';

export type { ValidateOptions } from './validate-common.js';

/** JWKS files are small; anything bigger is a mistake (or an attack on the loader). */
const MAX_JWKS_FILE_BYTES = 1024 * 1024;

export function validatePolicyDocument(
  raw: unknown,
  options: ValidateOptions,
): { policy: Policy | null; problems: PolicyProblem[] } {
  const problems = new ProblemList();
  if (!isRecord(raw)) {
    problems.error('(root)', 'the policy must be a YAML mapping with owners, tiers, issuers and agents');
    return { policy: null, problems: problems.items };
  }
  const ctx: ValidateContext = { problems, options, readFile: options.readFile ?? readBoundedFile };
  checkShape(raw, problems);
  scanForPrivateKeys(raw, (segments, what) => problems.error(formatPath(raw, segments), what));

  const { owners, declared: declaredOwners } = readOwners(ctx, raw.owners);
  const { tiers, declared: declaredTiers, ceilings } = readTiers(ctx, raw.tiers);
  const { issuers, declared: declaredIssuers } = readIssuers(ctx, raw.issuers);
  const userIssuers = readUserIssuers(ctx, raw.user_issuers, declaredIssuers);
  const ownersById = new Map(owners.map((o) => [o.id, o]));
  const agents = readAgents(ctx, raw.agents, { owners: ownersById, declaredOwners, tiers, declaredTiers, ceilings, declaredIssuers });
  const operators = readOperators(ctx, raw.operators);
  const operatorIssuers = readOperatorIssuers(ctx, raw.operator_issuers, { attestation: declaredIssuers, user: declaredIssuerNames(raw.user_issuers) });

  checkDevelopmentCredentials(ctx, { operators, issuers, userIssuers });

  if (problems.hasErrors) return { policy: null, problems: problems.items };
  return { policy: { owners, tiers, issuers, userIssuers, agents, operators, operatorIssuers }, problems: problems.items };
}

/** Reads a file of at most MAX_JWKS_FILE_BYTES, checking the size before reading it. */
function readBoundedFile(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    if (size > MAX_JWKS_FILE_BYTES) throw new Error(`file is larger than ${MAX_JWKS_FILE_BYTES} bytes`);
    return readFileSync(fd, 'utf8');
  } finally {
    closeSync(fd);
  }
}
