#!/usr/bin/env node
/** agent-sts: the broker and its tools (`agent-sts --help`). */
import { runCli } from './run-cli.js';

// `agent-sts admin audit --json | head`: a reader that stops early is not a crash. The rest
// of the output is dropped and the command still exits with its own result.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr }).then(
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
