/**
 * A synchronous, append-only line sink that knows whether each write succeeded: the broker
 * refuses to mint while the audit trail cannot be written (no unrecorded tokens), so a
 * buffered or asynchronous writer that loses errors is not acceptable here.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

export interface SyncSink {
  /** Writes all of `line`; throws the write's error (ENOSPC, EBADF, EACCES...). */
  write(line: string): void;
  close(): void;
}

/** `stdout` writes to fd 1; anything else is a file path opened once in append mode. */
export function openSyncSink(destination: string): SyncSink {
  if (destination === 'stdout') return fdSink(() => 1, () => {});
  let fd: number | null = null;
  const open = (): number => {
    if (fd === null) fd = openSync(destination, 'a', 0o600);
    return fd;
  };
  const drop = (): void => {
    if (fd !== null) {
      try {
        closeSync(fd);
      } catch {
        // Already unusable; the next write reopens the path.
      }
      fd = null;
    }
  };
  return fdSink(open, drop);
}

function fdSink(getFd: () => number, drop: () => void): SyncSink {
  return {
    write(line) {
      const bytes = Buffer.from(line, 'utf8');
      try {
        const fd = getFd();
        let offset = 0;
        // writeSync may write fewer bytes than asked (pipes, signals): loop until all are out.
        while (offset < bytes.length) offset += writeSync(fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        // Reopen on the next write: the file may have been replaced, or the disk freed.
        drop();
        throw error;
      }
    },
    close: drop,
  };
}
