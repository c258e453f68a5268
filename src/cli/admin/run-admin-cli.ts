/**
 * `agent-sts admin …`: the admin API from a terminal, with STS_URL and STS_ADMIN_KEY from the
 * environment. Tables for humans, `--json` for scripts; a failure exits non-zero with the
 * server's error.
 */
import { parseArgs } from 'node:util';
import { AdminApiError, createAdminClient, type Fetch } from './client.js';
import { COMMANDS, UsageError } from './commands.js';

interface AdminCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  fetch?: Fetch;
}

const ADMIN_USAGE = `usage: agent-sts admin COMMAND [--json]
  with STS_URL (the broker, or its admin listener) and STS_ADMIN_KEY (an operator key or sign-on JWT)
${Object.values(COMMANDS).map((c) => `  ${c.usage}`).join('\n')}
`;

export async function runAdminCli(argv: string[], env: Record<string, string | undefined>, io: AdminCliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(ADMIN_USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.stderr.write(`agent-sts admin: unknown command ${JSON.stringify(name)}\n${ADMIN_USAGE}`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
    if (positionals.length !== command.positionals) throw new UsageError(`expected ${command.positionals} argument(s)`);
  } catch (error) {
    io.stderr.write(`agent-sts admin ${name}: ${(error as Error).message}\nusage: agent-sts admin ${command.usage} [--json]\n`);
    return 2;
  }
  const url = env.STS_URL;
  const key = env.STS_ADMIN_KEY;
  if (!url || !key) {
    io.stderr.write('agent-sts admin: set STS_URL and STS_ADMIN_KEY\n');
    return 2;
  }
  try {
    const client = createAdminClient(url, key, io.fetch ?? fetch);
    const { data, text } = await command.run(client, values, positionals);
    io.stdout.write(values.json ? `${JSON.stringify(data, null, 2)}\n` : text);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`agent-sts admin ${name}: ${error.message}\nusage: agent-sts admin ${command.usage} [--json]\n`);
      return 2;
    }
    if (error instanceof AdminApiError) {
      io.stderr.write(`agent-sts admin ${name}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
