/** Start-up warnings about the listeners that would otherwise surface later as confusing failures or exposures. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { isLoopback, type Config } from './config.js';

/**
 * On loopback the issuer URL is where clients and verifiers reach the broker: a port other than
 * the one it listens on sends them elsewhere (metadata, JWKS and assertion audiences all use it).
 */
export function warnAboutListeners(config: Readonly<Config>, app: FastifyInstance, logger: FastifyBaseLogger): void {
  const issuer = new URL(config.issuer);
  if (!isLoopback(issuer.hostname)) return;
  const issuerPort = Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80));
  const address = app.server.address();
  const listening = typeof address === 'object' && address ? address.port : config.port;
  if (issuerPort !== listening) {
    logger.warn({ issuer: config.issuer, port: listening },
      `STS_ISSUER names port ${issuerPort} but the broker listens on ${listening}: clients discover and verify against the issuer URL; set STS_ISSUER to match`);
  }
}

/** A listen address only this machine can reach (IPv4 127/8, IPv6 ::1, or the name localhost). */
function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * What a listener on a network address exposes that the defaults (loopback) do not. Each is
 * legitimate somewhere (a Kubernetes pod must listen on 0.0.0.0 for its Service), so these
 * are warnings naming the setting to change, not refusals.
 */
export function exposureWarnings(config: Readonly<Config>): string[] {
  const warnings: string[] = [];
  if (!isLoopbackAddress(config.host) && config.adminPort === undefined) {
    warnings.push(`the admin API and the console are served on the agents' port (STS_HOST=${config.host}): whoever can reach the agents can try operator credentials there; set STS_ADMIN_PORT to give them their own listener (STS_ADMIN_HOST, 127.0.0.1 by default) and expose it to operators only`);
  }
  if (!isLoopbackAddress(config.metricsHost)) {
    warnings.push(`metrics are served without authentication on ${config.metricsHost}:${config.metricsPort} (STS_METRICS_HOST): they name agents, intents and issuers; let only Prometheus reach that port (a NetworkPolicy, a firewall), or keep STS_METRICS_HOST on 127.0.0.1`);
  }
  if (isLoopback(new URL(config.issuer).hostname) && !isLoopbackAddress(config.host)) {
    warnings.push(`STS_ISSUER is ${config.issuer} but the broker listens on ${config.host}: clients on other machines would discover and verify tokens at their own localhost; set STS_ISSUER to the https URL they reach the broker at`);
  }
  return warnings;
}

export function warnAboutExposure(config: Readonly<Config>, logger: FastifyBaseLogger): void {
  for (const warning of exposureWarnings(config)) logger.warn(warning);
}
