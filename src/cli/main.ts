#!/usr/bin/env node
/**
 * agent-sts: serve | policy check FILE | inventory | dev init|attest|assertion | admin …
 */
import { runAdminCli } from './admin/index.js';
import { runDevCommand } from './dev.js';
import { runInventory } from './inventory.js';
import { runPolicyCheck } from './policy-check.js';

const USAGE = `usage: agent-sts <command>

  serve [--dev]                        start the broker (settings from STS_* environment variables)
  policy check FILE [--now ISO]        validate a policy for CI; exit 1 on errors or governance violations
  inventory --policy FILE [--format table|json|csv]
                                       governance report from the policy alone (offline)
  dev init|attest AGENT|assertion AGENT
                                       development keys and tokens for the sample policy
  admin …                              operate a running broker (STS_URL, STS_ADMIN_KEY); see \`agent-sts admin help\`
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const io = { stdout: process.stdout, stderr: process.stderr };
  switch (command) {
    case 'serve': {
      const { serve } = await import('../server.js');
      await serve(process.env, { dev: rest.includes('--dev') });
      return -1; // keeps running
    }
    case 'policy':
      if (rest[0] !== 'check') break;
      return runPolicyCheck(rest.slice(1), io);
    case 'inventory':
      return runInventory(rest, io);
    case 'dev':
      return runDevCommand(rest, process.env, io);
    case 'admin':
      return runAdminCli(rest, process.env, io);
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(USAGE);
      return 0;
    default:
  }
  io.stderr.write(USAGE);
  return 2;
}

// `agent-sts admin audit --json | head`: a reader that stops early is not a crash. The rest
// of the output is dropped and the command still exits with its own result.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`agent-sts: ${(error as Error).message}\n`);
    // Exit now: a broker that failed to start may still hold connections and timers open,
    // and a supervisor must see it stop rather than a live process that serves nothing.
    process.exit(1);
  },
);
