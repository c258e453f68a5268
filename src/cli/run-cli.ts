/**
 * The agent-sts command line: finds the command named by the first words, and answers
 * `--help` (anywhere, for any command, without running it) and `--version`.
 */
import { createRequire } from 'node:module';
import { runAdminCli } from './admin/index.js';
import { auditCredentialsCommand } from './audit-credentials.js';
import { reportError, UsageError, wantsHelp, wantsJson } from './cli-error.js';
import { runCommand, type CliCommand } from './command.js';
import { devCommand } from './dev.js';
import { inventoryCommand } from './inventory.js';
import type { CliIo } from './io.js';
import { policyCheckCommand } from './policy-check.js';
import { policyDiffCommand } from './policy-diff.js';
import { policyExplainCommand } from './policy-explain.js';
import { serveCommand } from './serve.js';

export const COMMANDS: readonly CliCommand[] = [
  serveCommand, policyCheckCommand, policyExplainCommand, policyDiffCommand, inventoryCommand, auditCredentialsCommand, devCommand,
];

function usageText(): string {
  const lines = COMMANDS.map((c) => `  ${c.name.padEnd(18)} ${c.summary}`);
  lines.push(`  ${'admin'.padEnd(18)} Operate a running broker (STS_URL, STS_ADMIN_KEY): agents, suspend, revoke, audit, ...`);
  return `usage: agent-sts <command> [flags]   (agent-sts <command> --help for its flags)\n\n${lines.join('\n')}\n\n  --version          print the version\n`;
}

function version(): string {
  // package.json sits two folders up from both src/cli and dist/cli.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}

export async function runCli(argv: string[], env: NodeJS.ProcessEnv, io: CliIo & { fetch?: typeof fetch }, nowMs?: number): Promise<number> {
  const [first, second] = argv;
  if (first === '--version' || first === '-v') {
    io.stdout.write(`agent-sts ${version()}\n`);
    return 0;
  }
  if (first === 'admin') return runAdminCli(argv.slice(1), env, io);
  if (first === undefined || first === 'help' || first === '--help' || first === '-h') {
    (first === undefined ? io.stderr : io.stdout).write(usageText());
    return first === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === `${first} ${second}`) ?? COMMANDS.find((c) => c.name === first);
  if (!command) {
    const group = COMMANDS.filter((c) => c.name.startsWith(`${first} `));
    if (group.length > 0) {
      const text = `${group.map((c) => `  agent-sts ${c.name} ${c.usage}\n      ${c.summary}`).join('\n')}\n`;
      if (wantsHelp(argv)) {
        io.stdout.write(text);
        return 0;
      }
      return reportError(io, first, new UsageError(`unknown or missing subcommand${second ? ` ${JSON.stringify(second)}` : ''}; one of: ${group.map((c) => c.name.split(' ')[1]).join(', ')}`), { json: wantsJson(argv) });
    }
    return reportError(io, first, new UsageError(`unknown command; run agent-sts --help`), { json: wantsJson(argv) });
  }
  const rest = argv.slice(command.name.split(' ').length);
  return runCommand(command, rest, env, io, nowMs);
}
