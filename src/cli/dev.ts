/**
 * `agent-sts dev …`: development keys and tokens for the sample policy, so the README
 * walk-through needs nothing but curl.
 */
import { loadConfig } from '../config.js';
import { devAssertion, devAttestation, devPersonToken, ensureDevKeys } from '../dev/index.js';
import { formatProblems, loadPolicyFile } from '../policy/index.js';
import { CliFailure, UsageError } from './cli-error.js';
import { stringFlag, type CliCommand } from './command.js';

export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Development keys and tokens for the sample policy (never for production).',
  usage: 'init | attest AGENT | assertion AGENT | person USER [--scope S] [--may-act AGENT] [--policy FILE]',
  help: `  init              generate the sample issuers' and agents' key pairs into config/dev/ (git-ignored)
  attest AGENT      print an attestation for AGENT signed by the sample issuer
  assertion AGENT   print an RFC 7523 assertion signed by AGENT's own sample key
  person USER       print USER's access token from the sample people's identity provider
  --scope S         with person: the scopes USER may delegate (default "expenses:file receipts:read")
  --may-act AGENT   with person: only AGENT may act for USER (RFC 8693 may_act)
  --policy FILE     the policy (default STS_POLICY or config/policy.yaml)`,
  options: { policy: { type: 'string' }, scope: { type: 'string' }, 'may-act': { type: 'string' } },
  positionals: { min: 1, max: 2 },
  validate(_values, [action, subject]) {
    if (action === 'init' && subject === undefined) return;
    if ((action === 'attest' || action === 'assertion' || action === 'person') && subject) return;
    if (action === 'attest' || action === 'assertion') throw new UsageError(`${action} needs an AGENT`);
    throw new UsageError(action === 'person' ? 'person needs a USER' : `unknown action ${JSON.stringify(action)}`);
  },
  async run({ values, positionals: [action, agentId], env, io, nowMs }) {
    const config = loadConfig(env);
    const policyPath = stringFlag(values, 'policy') ?? config.policyPath;
    if (action === 'init') {
      const created = await ensureDevKeys(policyPath);
      io.stdout.write(created.length ? `created development keys:\n${created.map((f) => `  ${f}\n`).join('')}` : 'development keys already exist\n');
      return 0;
    }
    await ensureDevKeys(policyPath);
    const { compiled, problems } = await loadPolicyFile(policyPath, { nowMs, stsIssuer: config.issuer });
    if (!compiled) throw new CliFailure('policy_invalid', `the policy has errors:\n${formatProblems(problems)}`);
    const id = agentId as string;
    const mayAct = stringFlag(values, 'may-act');
    const token = action === 'attest' ? await devAttestation(compiled, id, nowMs)
      : action === 'person' ? await devPersonToken(compiled, id, nowMs, { scope: stringFlag(values, 'scope') ?? 'expenses:file receipts:read', ...(mayAct ? { mayAct } : {}) })
      : await devAssertion(compiled, id, config.issuer, nowMs);
    io.stdout.write(`${token}\n`);
    return 0;
  },
};
