/**
 * `agent-sts policy check FILE`: validates a policy for CI. Exit 0 when clean (warnings are
 * printed), 1 when there are errors or governance violations, 2 on usage errors.
 */
import { parseArgs } from 'node:util';
import { formatProblems, loadPolicyFile } from '../policy/index.js';
import type { CliIo } from './io.js';

export async function runPolicyCheck(argv: string[], io: CliIo, nowMs: number = Date.now()): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { now: { type: 'string' }, issuer: { type: 'string' } } });
  const file = positionals[0];
  if (!file || positionals.length > 1) {
    io.stderr.write('usage: agent-sts policy check FILE [--now ISO8601] [--issuer STS_ISSUER]\n');
    return 2;
  }
  const now = values.now ? Date.parse(values.now) : nowMs;
  if (Number.isNaN(now)) {
    io.stderr.write(`--now: not a date: ${values.now}\n`);
    return 2;
  }
  const { compiled, problems } = await loadPolicyFile(file, { nowMs: now, stsIssuer: values.issuer ?? process.env.STS_ISSUER ?? 'http://localhost:8080' });
  const errors = problems.filter((p) => p.severity === 'error').length;
  const violations = problems.filter((p) => p.severity === 'violation').length;
  const warnings = problems.filter((p) => p.severity === 'warning').length;
  if (problems.length > 0) io.stdout.write(`${formatProblems(problems)}\n`);
  const agents = compiled?.policy.agents.length ?? 0;
  io.stdout.write(`${file}: ${errors} error(s), ${violations} governance violation(s), ${warnings} warning(s)${compiled ? `, ${agents} agent(s)` : ''}\n`);
  return errors + violations > 0 ? 1 : 0;
}
