/**
 * `agent-sts dev …`: development keys and tokens for the sample policy, so the README
 * walk-through needs nothing but curl.
 */
import { loadConfig } from '../config.js';
import { devAssertion, devAttestation, ensureDevKeys } from '../dev/index.js';
import { formatProblems, loadPolicyFile } from '../policy/index.js';
import { CliFailure, UsageError } from './cli-error.js';
import { stringFlag, type CliCommand } from './command.js';

export const devCommand: CliCommand = {
  name: 'dev',
  summary: 'Development keys and tokens for the sample policy (never for production).',
  usage: 'init | attest AGENT | assertion AGENT [--policy FILE]',
  help: `  init              generate the sample issuer's and agent's key pairs into config/dev/ (git-ignored)
  attest AGENT      print an attestation for AGENT signed by the sample issuer
  assertion AGENT   print an RFC 7523 assertion signed by AGENT's own sample key
  --policy FILE     the policy (default STS_POLICY or config/policy.yaml)`,
  options: { policy: { type: 'string' } },
  positionals: { min: 1, max: 2 },
  validate(_values, [action, agentId]) {
    if (action === 'init' && agentId === undefined) return;
    if ((action === 'attest' || action === 'assertion') && agentId) return;
    throw new UsageError(action === 'attest' || action === 'assertion' ? `${action} needs an AGENT` : `unknown action ${JSON.stringify(action)}`);
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
    const token = action === 'attest' ? await devAttestation(compiled, id, nowMs) : await devAssertion(compiled, id, config.issuer, nowMs);
    io.stdout.write(`${token}\n`);
    return 0;
  },
};
