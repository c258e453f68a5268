/**
 * `agent-sts policy check FILE`: validates a policy for CI. Exit 0 when clean (warnings are
 * printed), 1 when there are errors or governance violations (or, with --online, a jwks_uri
 * that cannot be fetched), 2 on usage errors. The credential audit's static findings are
 * reported as warnings.
 */
import { createIssuerKeyResolver } from '../attestation/index.js';
import { isProductionDeployment, loadConfig } from '../config.js';
import { auditCredentials, createCaFetch, probeJwksUris } from '../credentials/index.js';
import { formatProblems, loadPolicyFile, parseIsoDate, type CompiledPolicy, type PolicyProblem } from '../policy/index.js';
import { instantFlag, stringFlag, type CliCommand } from './command.js';

export const policyCheckCommand: CliCommand = {
  name: 'policy check',
  summary: 'Validate a policy for CI: exit 1 on errors, governance violations or (with --online) unfetchable issuer keys.',
  usage: 'FILE [--now ISO8601] [--issuer URL] [--online] [--json]',
  help: `  --now ISO8601   evaluate governance (reviews due, ...) at this instant instead of now
  --issuer URL    the broker's own issuer (STS_ISSUER), which no attestation issuer may equal; an https
                  or non-loopback one (or NODE_ENV=production) makes the sample's development
                  credentials errors, as the broker would refuse them
  --online        also fetch every jwks_uri the policy names (with STS_ISSUER_CA_FILE if set)
  --json          the problems as JSON`,
  options: { now: { type: 'string' }, issuer: { type: 'string' }, online: { type: 'boolean' } },
  positionals: { min: 1, max: 1 },
  validate: (values) => void instantFlag(values, 'now', parseIsoDate),
  async run({ values, positionals, env, io, json, nowMs }) {
    const file = positionals[0] as string;
    const now = instantFlag(values, 'now', parseIsoDate) ?? nowMs;
    const issuer = stringFlag(values, 'issuer') ?? env.STS_ISSUER ?? 'http://localhost:8080';
    const production = isProductionDeployment(issuer, env.NODE_ENV);
    const { compiled, problems } = await loadPolicyFile(file, { nowMs: now, stsIssuer: issuer, production });
    const all = [...problems, ...(compiled ? credentialProblems(compiled, now) : [])];
    if (compiled && values.online) all.push(...(await unreachableIssuers(compiled, env)));
    const count = (s: PolicyProblem['severity']) => all.filter((p) => p.severity === s).length;
    if (json) {
      io.stdout.write(`${JSON.stringify({ file, ok: count('error') + count('violation') === 0, agents: compiled?.policy.agents.length ?? null, problems: all }, null, 2)}\n`);
    } else {
      if (all.length > 0) io.stdout.write(formatProblems(all));
      const agents = compiled ? `, ${compiled.policy.agents.length} agent(s)` : '';
      io.stdout.write(`${file}: ${count('error')} error(s), ${count('violation')} governance violation(s), ${count('warning')} warning(s)${agents}\n`);
    }
    return count('error') + count('violation') > 0 ? 1 : 0;
  },
};

/** The credential audit's static findings, as warnings naming the agent's attestation entry. */
function credentialProblems(compiled: CompiledPolicy, nowMs: number): PolicyProblem[] {
  return auditCredentials(compiled, { nowMs }).agents.flatMap((a) =>
    a.findings.map((f) => ({
      severity: 'warning' as const,
      path: `agents[${a.agent}]${f.method === undefined ? '' : `.attestation[${f.method}]`}`,
      message: `credential audit (${f.severity}): ${f.message}. ${f.fix}`,
    })),
  );
}

/** --online: a jwks_uri that cannot be fetched now refuses every agent of that issuer. */
async function unreachableIssuers(compiled: CompiledPolicy, env: NodeJS.ProcessEnv): Promise<PolicyProblem[]> {
  const ca = loadConfig({ STS_ISSUER_CA_FILE: env.STS_ISSUER_CA_FILE }).issuerCaBundle;
  const resolver = createIssuerKeyResolver(ca ? { fetch: createCaFetch(ca) } : {});
  const outcomes = await probeJwksUris(compiled, resolver);
  return outcomes.filter((o) => !o.ok).map((o) => ({ severity: 'error' as const, path: `jwks_uri ${o.uri}`, message: `cannot be fetched: ${o.cause ?? 'failed'}` }));
}
