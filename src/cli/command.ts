/**
 * One agent-sts command: its help, its flags, and a run function. The runner parses and
 * validates every flag before the command runs (so nothing is sent to a broker with a bad
 * flag), prints help for `--help` without running anything, and reports errors (as JSON
 * with `--json`).
 */
import { parseArgs } from 'node:util';
import { reportError, UsageError, wantsHelp, wantsJson } from './cli-error.js';
import type { CliIo } from './io.js';

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface CliCommand {
  /** As typed: `policy check`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Arguments and flags, after `agent-sts <name>`. */
  usage: string;
  /** The full help text (flags explained). */
  help: string;
  options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;
  positionals: { min: number; max: number };
  /** Checks that need more than the parser (values, combinations); throw UsageError. */
  validate?(values: FlagValues, positionals: string[]): void;
  run(args: RunArgs): Promise<number>;
}

export interface RunArgs {
  values: FlagValues;
  positionals: string[];
  env: NodeJS.ProcessEnv;
  io: CliIo;
  json: boolean;
  /** The instant commands take as now (tests fix it). */
  nowMs: number;
}

export async function runCommand(command: CliCommand, argv: string[], env: NodeJS.ProcessEnv, io: CliIo, nowMs: number = Date.now()): Promise<number> {
  const json = wantsJson(argv);
  if (wantsHelp(argv)) {
    io.stdout.write(helpText(command));
    return 0;
  }
  let values: FlagValues;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { ...command.options, json: { type: 'boolean' } }, allowPositionals: true, strict: true }));
    const { min, max } = command.positionals;
    if (positionals.length < min || positionals.length > max) {
      throw new UsageError(min === max ? `expected ${min} argument(s), got ${positionals.length}` : `expected ${min} to ${max} arguments, got ${positionals.length}`);
    }
    command.validate?.(values, positionals);
  } catch (error) {
    return reportError(io, command.name, error instanceof UsageError ? error : new UsageError((error as Error).message), { json, usage: `${command.name} ${command.usage}` });
  }
  try {
    return await command.run({ values, positionals, env, io, json, nowMs });
  } catch (error) {
    return reportError(io, command.name, error, { json, usage: `${command.name} ${command.usage}` });
  }
}

function helpText(command: CliCommand): string {
  return `usage: agent-sts ${command.name} ${command.usage}\n\n${command.summary}\n\n${command.help.trimEnd()}\n`;
}

/** A flag's string value, or undefined. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

/** `--at`/`--now`: an ISO 8601 instant; throws a UsageError naming the flag. */
export function instantFlag(values: FlagValues, name: string, parse: (text: string) => number | null): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const ms = parse(text);
  if (ms === null) throw new UsageError(`--${name}: not an ISO 8601 date or date-time with an offset: ${text}`);
  return ms;
}
