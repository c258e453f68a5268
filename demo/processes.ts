/**
 * The demo's child processes: the broker (the built CLI, as an operator runs it) and two
 * scripted Node processes talking to the demo over IPC. Every child is stopped by its pid when
 * the demo ends, however it ends.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

const children = new Set<ChildProcess>();

/** A port the OS says is free now (the demo's processes bind it a moment later). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** `node dist/cli/main.js serve`, ready once /readyz answers 200; its stderr is kept for a failure report. */
export async function startBroker(issuer: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string }> {
  const child = track(spawn(process.execPath, ['dist/cli/main.js', 'serve'], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] }));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => { output = (output + chunk.toString()).slice(-4000); });
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode}):\n${output}`);
    const ready = await fetch(`${issuer}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { child, output: () => output };
    if (Date.now() > deadline) throw new Error(`the broker did not become ready:\n${output}`);
    await delay(100);
  }
}

export interface Scripted {
  child: ChildProcess;
  /** Send a command, wait for the process's answer to it. */
  ask<T>(command: Record<string, unknown>): Promise<T>;
}

/** A TypeScript file run as a child with IPC; it answers `{ id, ...reply }` to each `{ id, ...command }`. */
export async function startScripted(file: string, env: NodeJS.ProcessEnv): Promise<Scripted & { ready: Record<string, unknown> }> {
  const child = track(fork(file, { env: { ...process.env, ...env }, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  const pending = new Map<number, (reply: unknown) => void>();
  let nextId = 1;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`${file} exited (${code})`))));
  exited.catch(() => undefined);
  const ready = new Promise<Record<string, unknown>>((resolve) => {
    child.on('message', (message: { id?: number; ready?: Record<string, unknown> }) => {
      if (message.ready) resolve(message.ready);
      else if (message.id !== undefined) pending.get(message.id)?.(message);
    });
  });
  const ask = <T>(command: Record<string, unknown>): Promise<T> => {
    const id = nextId++;
    const answer = new Promise<T>((resolve) => pending.set(id, resolve as (reply: unknown) => void));
    child.send({ id, ...command });
    return Promise.race([answer, exited]);
  };
  return { child, ask, ready: await Promise.race([ready, exited]) };
}

/** SIGTERM to every child still running, SIGKILL to any that lingers. */
export async function stopAll(): Promise<void> {
  await Promise.all([...children].map(async (child) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    await exited;
    clearTimeout(timer);
  }));
}

/** Answers the parent's commands with `handle`; a thrown error becomes `{ failed: message }`. */
export function serveCommands(handle: (command: Record<string, unknown>) => Promise<Record<string, unknown>>): void {
  process.on('message', (message: { id: number } & Record<string, unknown>) => {
    handle(message).then(
      (reply) => process.send?.({ id: message.id, ...reply }),
      (error: unknown) => process.send?.({ id: message.id, failed: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}
