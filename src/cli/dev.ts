/**
 * `agent-sts dev …`: development keys and tokens for the sample policy, so the README
 * walk-through needs nothing but curl.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { devAssertion, devAttestation, ensureDevKeys } from '../dev/index.js';
import { formatProblems, loadPolicyFile } from '../policy/index.js';
import type { CliIo } from './io.js';

export async function runDevCommand(argv: string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options: { policy: { type: 'string' } } });
  const [action, agentId] = positionals;
  const config = loadConfig(env);
  const policyPath = values.policy ?? config.policyPath;
  if (action === 'init') {
    const created = await ensureDevKeys(policyPath);
    io.stdout.write(created.length ? `created development keys:\n${created.map((f) => `  ${f}\n`).join('')}` : 'development keys already exist\n');
    return 0;
  }
  if ((action !== 'attest' && action !== 'assertion') || !agentId) {
    io.stderr.write('usage: agent-sts dev init | dev attest AGENT | dev assertion AGENT [--policy FILE]\n');
    return 2;
  }
  await ensureDevKeys(policyPath);
  const { compiled, problems } = await loadPolicyFile(policyPath, { nowMs: Date.now(), stsIssuer: config.issuer });
  if (!compiled) {
    io.stderr.write(`${formatProblems(problems)}\n`);
    return 1;
  }
  const token =
    action === 'attest' ? await devAttestation(compiled, agentId, Date.now()) : await devAssertion(compiled, agentId, config.issuer, Date.now());
  io.stdout.write(`${token}\n`);
  return 0;
}
