/**
 * `agent-sts policy diff OLD NEW`: per agent, what it gains and loses, and what changed in
 * the issuers and operators, for pull-request review. Exit 0 when nothing widened, 1 when
 * something grants more, 2 on usage errors or when a policy does not load.
 */
import { diffPolicies, formatProblems, loadPolicyFile, parseIsoDate, type PolicyDiff } from '../policy/index.js';
import { CliFailure } from './cli-error.js';
import { instantFlag, type CliCommand } from './command.js';

export const policyDiffCommand: CliCommand = {
  name: 'policy diff',
  summary: 'What a policy change grants and takes away, per agent; exit 1 when anything widened.',
  usage: 'OLD NEW [--now ISO8601] [--json]',
  help: `  OLD, NEW        the policy before and after the change (e.g. the base branch's and the pull request's)
  --now ISO8601   evaluate governance (who may get tokens) at this instant instead of now
  --json          the differences as JSON
Compared per agent: scopes per audience, token lifetimes, on_behalf_of per intent, ways to
authenticate, the tier's sender_constraint and max_delegation_depth, serves, introspects, and
whether it may get tokens; then attestation issuers, user_issuers, operator sign-on and operators.
Exit status: 0 nothing widened, 1 something grants more, 2 a usage error or a policy with errors.`,
  options: { now: { type: 'string' } },
  positionals: { min: 2, max: 2 },
  validate: (values) => void instantFlag(values, 'now', parseIsoDate),
  async run({ values, positionals: [oldFile, newFile], env, io, json, nowMs }) {
    const now = instantFlag(values, 'now', parseIsoDate) ?? nowMs;
    const load = async (file: string) => {
      const { compiled, problems } = await loadPolicyFile(file, { nowMs: now, stsIssuer: env.STS_ISSUER ?? 'http://localhost:8080' });
      if (!compiled) throw new CliFailure('policy_invalid', `${file} has errors:\n${formatProblems(problems)}`);
      return compiled;
    };
    let diff: PolicyDiff;
    try {
      diff = diffPolicies(await load(oldFile as string), await load(newFile as string), now);
    } catch (error) {
      if (!(error instanceof CliFailure)) throw error;
      // A policy that does not load is not "nothing widened": exit 2, never 0 or 1.
      io.stderr.write(json ? `${JSON.stringify({ error: error.code, message: error.message, command: 'policy diff' })}\n` : `agent-sts policy diff: ${error.message}\n`);
      return 2;
    }
    io.stdout.write(json ? `${JSON.stringify(diff, null, 2)}\n` : diffText(diff));
    return diff.widened ? 1 : 0;
  },
};

function diffText(diff: PolicyDiff): string {
  const sections = [...diff.agents.map((d) => ({ ...d, subject: `agent ${d.subject}` })), ...diff.issuers, ...diff.operators];
  if (sections.length === 0) return 'no changes to what any agent, issuer or operator may do\n';
  const lines = sections.flatMap((d) => [`${d.subject} (${d.status})`, ...d.changes.map((c) => `  ${c.sign} ${c.what}`)]);
  lines.push('', diff.widened ? 'WIDENED: this change grants more (lines marked +)' : 'not widened: nothing grants more');
  return `${lines.join('\n')}\n`;
}
