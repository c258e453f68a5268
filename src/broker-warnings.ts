/** Start-up warnings about the listeners that would otherwise surface later as confusing failures. */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from './config.js';

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * On loopback the issuer URL is where clients and verifiers reach the broker: a port other than
 * the one it listens on sends them elsewhere (metadata, JWKS and assertion audiences all use it).
 */
export function warnAboutListeners(config: Readonly<Config>, app: FastifyInstance, logger: FastifyBaseLogger): void {
  const issuer = new URL(config.issuer);
  if (!LOOPBACK.has(issuer.hostname)) return;
  const issuerPort = Number(issuer.port || (issuer.protocol === 'https:' ? 443 : 80));
  const address = app.server.address();
  const listening = typeof address === 'object' && address ? address.port : config.port;
  if (issuerPort !== listening) {
    logger.warn({ issuer: config.issuer, port: listening },
      `STS_ISSUER names port ${issuerPort} but the broker listens on ${listening}: clients discover and verify against the issuer URL; set STS_ISSUER to match`);
  }
}
