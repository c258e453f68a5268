import type { AnomalyAction, AnomalyKind } from '../policy/types.js';

/** The JSON body POSTed to each webhook. Never contains token or key material. */
export interface AnomalyAlert {
  type: 'anomaly';
  agent: string;
  kind: AnomalyKind;
  action: AnomalyAction;
  detail: string;
  /** ISO 8601 instant of the detection. */
  at: string;
  /** Unique per alert: receivers deduplicate retried deliveries by it. */
  id: string;
}

export interface Alerter {
  /** Queue the alert for every webhook; never blocks, never throws (drops when full). */
  send(alert: AnomalyAlert): void;
  /** Resolves when every queued delivery has finished (tests). */
  flush(): Promise<void>;
  /** Stop accepting alerts and drain for at most `drainMs`, then abandon the rest. */
  close(): Promise<void>;
}
