/**
 * Timeouts for every listener the broker opens (agents', admin, metrics), so a slow or idle
 * client cannot hold a connection. Node checks header and request timeouts only every
 * `connectionsCheckingInterval` (30 s by default): a 10 s timeout then cut a slow client after
 * up to 40 s. Checked often enough, a slow sender is cut within a second of its timeout.
 */
import type { Config } from '../config.js';

export type ListenerTimeoutSettings = Pick<Config, 'connectionTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>;

export function listenerTimeouts(config: ListenerTimeoutSettings) {
  const checkEveryMs = Math.max(100, Math.min(1_000, Math.floor(Math.min(config.requestTimeoutMs, config.connectionTimeoutMs) / 4)));
  return {
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    keepAliveTimeout: config.keepAliveTimeoutMs,
    http: { headersTimeout: config.requestTimeoutMs, connectionsCheckingInterval: checkEveryMs },
  };
}
