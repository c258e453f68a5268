/**
 * `agent-sts serve` as a child process (the source, through tsx), for tests of what only the
 * process does: exit codes, messages on stderr, start-up refusals.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { basePolicy, type PolicyDoc } from './broker.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const JWK = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' };

/** A policy file (basePolicy unless given) in a fresh folder, beside the public JWKS files it names. */
export function writePolicy(policy: PolicyDoc = basePolicy()): string {
  const dir = mkdtempSync(join(tmpdir(), 'sts-serve-'));
  for (const name of ['k8s.jwks.json', 'ticket-summarizer.jwks.json']) writeFileSync(join(dir, name), JSON.stringify({ keys: [JWK] }));
  writeFileSync(join(dir, 'policy.yaml'), stringify(policy));
  return join(dir, 'policy.yaml');
}

export interface ServeProcess {
  /** The exit code (signal deaths as -1). */
  exited: Promise<number>;
  stderr(): string;
  stop(): void;
}

/** Starts `agent-sts serve` with only PATH and `env` in its environment. */
export function spawnServe(env: Record<string, string>, args: string[] = []): ServeProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), 'serve', ...args], {
    env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'pipe'], cwd: ROOT,
  });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number>((r) => child.once('exit', (code) => r(code ?? -1)));
  return { exited, stderr: () => stderr, stop: () => child.kill('SIGKILL') };
}

/** The exit code, or 'running' if the process has not exited by `timeoutMs` (it is then killed). */
export async function exitWithin(serve: ServeProcess, timeoutMs: number): Promise<number | 'running'> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'running'>((r) => (timer = setTimeout(() => r('running'), timeoutMs)));
  const outcome = await Promise.race([serve.exited, deadline]);
  clearTimeout(timer);
  if (outcome === 'running') serve.stop();
  return outcome;
}
