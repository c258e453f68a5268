/**
 * How every agent-sts command fails: a usage error (exit 2, with the command's usage) or a
 * failure (exit 1). With `--json` the error is one JSON object on stderr, so a script reads
 * errors the way it reads results.
 */
import type { CliIo } from './io.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export class CliFailure extends Error {
  override readonly name = 'CliFailure';
  readonly code: string;
  readonly status: number | undefined;
  constructor(code: string, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

/** Write the error and return the exit code. */
export function reportError(io: CliIo, command: string, error: unknown, options: { json: boolean; usage?: string }): number {
  const usage = error instanceof UsageError;
  const code = usage ? 'usage' : error instanceof CliFailure ? error.code : 'failed';
  const message = (error as Error).message;
  if (options.json) {
    const status = error instanceof CliFailure && error.status !== undefined ? { status: error.status } : {};
    io.stderr.write(`${JSON.stringify({ error: code, message, command, ...status, ...(usage && options.usage ? { usage: options.usage } : {}) })}\n`);
  } else {
    io.stderr.write(`agent-sts ${command}: ${message}\n${usage && options.usage ? `usage: agent-sts ${options.usage}\n` : ''}`);
  }
  return usage ? 2 : 1;
}

/** `--json` anywhere in the arguments (before they are parsed, so a parse error is reported as JSON too). */
export function wantsJson(argv: readonly string[]): boolean {
  return argv.includes('--json');
}

export function wantsHelp(argv: readonly string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}
