/**
 * The audit trail: one structured JSON record per decision and action, on its own stream
 * (a file or stdout), written synchronously so that a failed write is known at once and
 * `record` throws. A copy goes to the store's capped audit stream (best effort) for
 * `GET /admin/audit`.
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
  const write = (event: string, fields: Record<string, unknown>): void => {
    try {
      sink.write(`${JSON.stringify(auditLine(event, new Date(clock()).toISOString(), fields))}\n`);
    } catch (error) {
      if (healthy) logger.error({ err: describe(error), event }, 'audit trail write failed: minting is refused until it recovers');
      healthy = false;
      throw new AuditWriteError(error);
    }
    if (!healthy) logger.warn({ event }, 'audit trail writable again');
    healthy = true;
  };

  const record = (event: string, fields: Record<string, unknown>): void => {
    write(event, fields);
    if (store) {
      const agent = typeof fields.agent === 'string' ? fields.agent : undefined;
      store
        .appendAudit({ atMs: clock(), event, ...(agent ? { agent } : {}), data: fields })
        .catch((error: unknown) => logger.warn({ err: describe(error), event }, 'audit record not copied to the store'));
    }
  };

  return {
    record(event, data) {
      record(event, redactSecrets(data) as Record<string, unknown>);
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
        write('audit_probe', {});
        return true;
      } catch {
        return false;
      }
    },
    close: () => sink.close(),
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
