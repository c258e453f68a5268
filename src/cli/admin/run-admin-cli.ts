/**
 * `agent-sts admin …`: the admin API from a terminal, with STS_URL and STS_ADMIN_KEY from the
 * environment. Tables for humans, `--json` for scripts (errors too); every flag is validated
 * before a request is sent; `--help` on any command prints its usage and sends nothing.
 */
import { parseArgs } from 'node:util';
import { CliFailure, reportError, UsageError, wantsHelp, wantsJson } from '../cli-error.js';
import { AdminApiError, createAdminClient, type Fetch } from './client.js';
import { COMMANDS } from './commands.js';

export interface AdminCliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  fetch?: Fetch;
}

export const ADMIN_USAGE = `usage: agent-sts admin COMMAND [--json]
  with STS_URL (the broker, or its admin listener) and STS_ADMIN_KEY (an operator key or sign-on JWT)
${Object.values(COMMANDS).map((c) => `  ${c.usage}\n      ${c.summary}`).join('\n')}
`;

export async function runAdminCli(argv: string[], env: Record<string, string | undefined>, io: AdminCliIo): Promise<number> {
  const [name, ...rest] = argv;
  const json = wantsJson(argv);
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(ADMIN_USAGE);
    return name === undefined ? 2 : 0;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) return reportError(io, 'admin', new UsageError(`unknown command ${JSON.stringify(name)}; run agent-sts admin --help`), { json });
  const label = `admin ${name}`;
  const usage = `admin ${command.usage} [--json]`;
  if (wantsHelp(rest)) {
    io.stdout.write(`usage: agent-sts ${usage}\n\n${command.summary}\n`);
    return 0;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
    if (positionals.length !== command.positionals) throw new UsageError(`expected ${command.positionals} argument(s), got ${positionals.length}`);
    command.validate?.(values, positionals);
    if (!env.STS_URL || !env.STS_ADMIN_KEY) throw new UsageError('set STS_URL and STS_ADMIN_KEY');
  } catch (error) {
    return reportError(io, label, error instanceof UsageError ? error : new UsageError((error as Error).message), { json, usage });
  }
  try {
    const client = createAdminClient(env.STS_URL, env.STS_ADMIN_KEY, io.fetch ?? fetch);
    const { data, text } = await command.run(client, values, positionals);
    io.stdout.write(json ? `${JSON.stringify(data, null, 2)}\n` : text);
    return 0;
  } catch (error) {
    const failure = error instanceof AdminApiError ? new CliFailure(error.code, error.message, error.status) : error;
    if (failure instanceof UsageError || failure instanceof CliFailure) return reportError(io, label, failure, { json, usage });
    throw error;
  }
}
