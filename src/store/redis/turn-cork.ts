/**
 * Commands issued in one event-loop turn leave in one write. Under load, many token requests
 * reach the store in the same turn (one poll phase delivers several sockets' bodies), and each
 * command written on its own costs a write system call here and a read in redis-server. The
 * socket is corked at the turn's first command and uncorked by setImmediate, right after the
 * poll phase: a lone command waits microseconds, a burst goes out as one writev.
 *
 * A Cluster spreads commands over one socket per node; it is left as it is.
 */
import { Redis, type Cluster } from 'ioredis';

export function createTurnCork(client: Redis | Cluster): () => void {
  if (!(client instanceof Redis)) return () => {};
  let corked: Redis['stream'] | null = null;
  const uncork = (): void => {
    const stream = corked;
    corked = null;
    stream?.uncork();
  };
  return () => {
    if (corked !== null) return;
    const stream = client.stream as Redis['stream'] | undefined;
    if (!stream || stream.destroyed || !stream.writable) return;
    stream.cork();
    corked = stream;
    setImmediate(uncork);
  };
}
