/**
 * The audit trail: one structured JSON record per decision and action, on its own stream
 * (a file or stdout), written synchronously so that a failed write is known at once and
 * `record` throws. `commit` groups the records of one event-loop turn into one write and
 * settles each caller's promise after it: under load, one system call for a burst of issued
 * tokens instead of one each, and still no token leaves before its record is written. A copy
 * goes to the store's capped audit stream (best effort) for `GET /admin/audit`.
 */
import type { Clock } from '../clock.js';
import type { AuditTrail } from '../context.js';
import type { Store } from '../store/types.js';
import { redactSecrets } from './redact.js';
import { openSyncSink, type SyncSink } from './sync-sink.js';

interface AuditLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

interface AuditTrailOptions {
  /** `stdout` or a file path (appended to). */
  destination: string | SyncSink;
  store?: Store;
  clock: Clock;
  /** The application logger, for failures of the trail itself. */
  logger: AuditLogger;
}

export interface ClosableAuditTrail extends AuditTrail {
  close(): void;
}

export function createAuditTrail(options: AuditTrailOptions): ClosableAuditTrail {
  const { store, clock, logger } = options;
  const sink = typeof options.destination === 'string' ? openSyncSink(options.destination) : options.destination;
  let healthy = true;

  // One JSON line per record, in the shape of the app's pino logs (level, time, stream first).
  // Built directly rather than through a pino instance: redactSecrets has already removed every
  // secret-named field at every depth, and pino's per-record work was half the audit cost.
  const failed = (error: unknown, event: string): AuditWriteError => {
    if (healthy) logger.error({ err: describe(error), event }, 'audit trail write failed: minting is refused until it recovers');
    healthy = false;
    return new AuditWriteError(error);
  };

  /** A record that cannot be serialised (a BigInt, a cycle) fails like a write: nothing half-written. */
  const line = (event: string, fields: Record<string, unknown>): string => {
    try {
      return `${JSON.stringify(auditLine(event, new Date(clock()).toISOString(), fields))}\n`;
    } catch (error) {
      throw failed(error, event);
    }
  };

  const writeLines = (text: string, event: string): void => {
    try {
      sink.write(text);
    } catch (error) {
      throw failed(error, event);
    }
    if (!healthy) logger.warn({ event }, 'audit trail writable again');
    healthy = true;
  };

  const copyToStore = (event: string, fields: Record<string, unknown>): void => {
    if (!store) return;
    const agent = typeof fields.agent === 'string' ? fields.agent : undefined;
    store
      .appendAudit({ atMs: clock(), event, ...(agent ? { agent } : {}), data: fields })
      .catch((error: unknown) => logger.warn({ err: describe(error), event }, 'audit record not copied to the store'));
  };

  const record = (event: string, fields: Record<string, unknown>): void => {
    writePending();
    writeLines(line(event, fields), event);
    copyToStore(event, fields);
  };

  // The group commit: records of this turn, written together by setImmediate (or before any
  // record written at once, so the file keeps the order records were made in).
  let pending: Array<{ event: string; fields: Record<string, unknown>; resolve(): void; reject(error: unknown): void }> = [];
  let text = '';
  const writePending = (): void => {
    if (pending.length === 0) return;
    const batch = pending;
    const batchText = text;
    pending = [];
    text = '';
    try {
      writeLines(batchText, (batch[0] as (typeof batch)[number]).event);
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    for (const entry of batch) {
      copyToStore(entry.event, entry.fields);
      entry.resolve();
    }
  };

  return {
    record(event, data) {
      record(event, redactSecrets(data) as Record<string, unknown>);
    },
    commit(event, data) {
      const fields = redactSecrets(data) as Record<string, unknown>;
      let next: string;
      try {
        next = line(event, fields);
      } catch (error) {
        return Promise.reject(error as Error);
      }
      return new Promise<void>((resolve, reject) => {
        if (pending.length === 0) setImmediate(writePending);
        pending.push({ event, fields, resolve, reject });
        text += next;
      });
    },
    tryRecord(event, data) {
      const fields = redactSecrets(data) as Record<string, unknown>;
      try {
        record(event, fields);
        return true;
      } catch (error) {
        // The app log keeps what the trail could not: the event and its (already redacted) fields.
        logger.error({ ...fields, audit_event: event, err: describe(error) }, 'audit trail not writable: the event went unrecorded');
        return false;
      }
    },
    healthy: () => healthy,
    probe() {
      // Healthy: the next real record will tell. Unhealthy: try a tiny record (reopening the file).
      if (healthy) return true;
      try {
        writeLines(line('audit_probe', {}), 'audit_probe');
        return true;
      } catch {
        return false;
      }
    },
    close: () => {
      writePending();
      sink.close();
    },
  };
}

/** The record's own members come last in force (a data field cannot rename or re-time it) but first in order. */
function auditLine(event: string, time: string, fields: Record<string, unknown>): Record<string, unknown> {
  const line: Record<string, unknown> = { level: 'info', time, stream: 'audit', ...fields };
  line.level = 'info';
  line.time = time;
  line.stream = 'audit';
  line.event = event;
  return line;
}

class AuditWriteError extends Error {
  readonly code: string | undefined;
  constructor(cause: unknown) {
    super(`audit trail write failed: ${describe(cause)}`, { cause });
    this.name = 'AuditWriteError';
    this.code = (cause as NodeJS.ErrnoException | null)?.code;
  }
}

function describe(error: unknown): string {
  const e = error as NodeJS.ErrnoException | null;
  return e?.code ?? e?.message ?? String(error);
}
