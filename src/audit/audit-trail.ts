/**
 * The audit trail: one structured JSON record per decision and action, on its own stream
 * (a file or stdout), written synchronously so that a failed write is known at once:
 * `record` writes before it returns and throws on failure; `commit` (for minted tokens)
 * groups the records of one event-loop turn into one write and settles once it is done,
 * so a token still leaves only after its record is written. A copy goes to the store's capped audit stream (best effort) for
 * `GET /admin/audit`.
 */
import type { Clock } from '../clock.js';
import type { AuditTrail } from '../context.js';
import type { Store } from '../store/types.js';
import { redactSecrets } from './redact.js';
import { openSyncSink, type SyncSink } from './sync-sink.js';

export interface AuditLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface AuditTrailOptions {
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
  // Records waiting for the group write at the end of this loop turn (see commit()).
  let queued: Queued[] = [];
  let flushScheduled = false;

  // One JSON line per record, in the shape of the app's pino logs (level, time, stream first).
  // Built directly rather than through a pino instance: redactSecrets has already removed every
  // secret-named field at every depth, and pino's per-record work was half the audit cost.
  const lineOf = (event: string, fields: Record<string, unknown>): string =>
    `${JSON.stringify(auditLine(event, new Date(clock()).toISOString(), fields))}\n`;

  const failed = (error: unknown, event: string): AuditWriteError => {
    if (healthy) logger.error({ err: describe(error), event }, 'audit trail write failed: minting is refused until it recovers');
    healthy = false;
    return new AuditWriteError(error);
  };

  const written = (event: string): void => {
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

  /**
   * Writes the queued records, then `extra` if given, in one write: the trail keeps the order
   * in which records were made. Each queued record's promise settles with the write.
   */
  const writeWithQueued = (extra?: { event: string; line: string }): void => {
    const batch = queued;
    queued = [];
    if (batch.length === 0 && !extra) return;
    const event = extra?.event ?? batch[batch.length - 1]?.event ?? 'audit';
    let text = '';
    for (const q of batch) text += q.line;
    if (extra) text += extra.line;
    try {
      sink.write(text);
    } catch (error) {
      const refused = failed(error, event);
      for (const q of batch) q.reject(refused);
      throw refused;
    }
    written(event);
    for (const q of batch) {
      copyToStore(q.event, q.fields);
      q.resolve();
    }
  };

  const flushQueued = (): void => {
    flushScheduled = false;
    try {
      writeWithQueued();
    } catch {
      // Every queued record's promise was rejected with the error.
    }
  };

  const lineOrRefusal = (event: string, fields: Record<string, unknown>): string => {
    try {
      return lineOf(event, fields);
    } catch (error) {
      throw failed(error, event); // a record that cannot be serialised is a failed write
    }
  };

  return {
    record(event, data) {
      const fields = redactSecrets(data) as Record<string, unknown>;
      writeWithQueued({ event, line: lineOrRefusal(event, fields) });
      copyToStore(event, fields);
    },
    commit(event, data) {
      const fields = redactSecrets(data) as Record<string, unknown>;
      let line: string;
      try {
        line = lineOrRefusal(event, fields);
      } catch (error) {
        return Promise.reject(error);
      }
      return new Promise<void>((resolve, reject) => {
        queued.push({ event, fields, line, resolve, reject });
        if (!flushScheduled) {
          flushScheduled = true;
          // After this turn's I/O callbacks: every token minted in this turn shares one write.
          setImmediate(flushQueued);
        }
      });
    },
    healthy: () => healthy,
    probe() {
      // Healthy: the next real record will tell. Unhealthy: try a tiny record (reopening the file).
      if (healthy) return true;
      try {
        writeWithQueued({ event: 'audit_probe', line: lineOf('audit_probe', {}) });
        return true;
      } catch {
        return false;
      }
    },
    close: () => {
      flushQueued();
      sink.close();
    },
  };
}

interface Queued {
  event: string;
  fields: Record<string, unknown>;
  line: string;
  resolve(): void;
  reject(error: unknown): void;
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

export class AuditWriteError extends Error {
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
