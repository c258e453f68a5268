/** Starting the broker's listeners, one after the other, each failure naming the setting that chose its address. */
import type { FastifyInstance } from 'fastify';

export interface Listener {
  /** The setting an operator changes to move it (STS_PORT, STS_ADMIN_PORT, STS_METRICS_PORT). */
  setting: string;
  app: FastifyInstance;
  host: string;
  port: number;
}

/** A listener could not bind: the broker did not start. */
export class ListenError extends Error {
  readonly setting: string;
  constructor(listener: Listener, cause: unknown) {
    const host = listener.host.includes(':') ? `[${listener.host}]` : listener.host;
    super(`cannot listen on ${host}:${listener.port} (${listener.setting}): ${reason(cause)}`, { cause });
    this.name = 'ListenError';
    this.setting = listener.setting;
  }
}

/** What an operator can act on, from the errno Node gives for a failed bind. */
function reason(cause: unknown): string {
  switch ((cause as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE': return 'the address is already in use by another process; free it or choose another port';
    case 'EACCES': return 'permission denied (ports below 1024 need privileges)';
    case 'EADDRNOTAVAIL': return 'this machine has no such address';
    default: return (cause as Error).message;
  }
}

/** Binds each listener in turn; the first that fails stops the rest (the caller closes what started). */
export async function listenAll(listeners: readonly Listener[]): Promise<void> {
  for (const listener of listeners) {
    try {
      await listener.app.listen({ host: listener.host, port: listener.port });
    } catch (error) {
      throw new ListenError(listener, error);
    }
  }
}
