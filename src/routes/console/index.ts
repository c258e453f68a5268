/**
 * The web console (`/console` on the admin listener): server-rendered pages with a little
 * script, under a strict Content-Security-Policy. Everything it shows or does goes through
 * the same cores as the admin API; it adds sessions (sealed cookies), CSRF protection and
 * confirmations. Registered next to the admin API (src/app.ts).
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { createOperatorKeySets, type OperatorKeySets } from '../../admin/index.js';
import type { OperatorAuthDefense } from '../admin/operator-auth-defense.js';
import { methodsServed, toOAuthError } from '../../http/error-handler.js';
import { limitByAddress } from '../../http/index.js';
import { loadConsoleAssets, sessionKey } from '../../console/index.js';
import type { BrokerContext } from '../../context.js';
import type { IssuerKeyHealth } from '../../credentials/index.js';
import { registerActionRoutes } from './action-routes.js';
import { registerAuthRoutes } from './auth-routes.js';
import { createConsoleKit, type ConsoleKit } from './kit.js';
import { registerPageRoutes, type ConsoleKeySource } from './page-routes.js';

export interface ConsoleRoutesOptions {
  ctx: BrokerContext;
  keyRing: ConsoleKeySource;
  /** The secret session cookies are sealed under; the same on every instance (the key encryption key). Absent: random, one instance only. */
  sessionSecret?: Buffer | undefined;
  operatorKeySets?: OperatorKeySets;
  issuerKeyHealth?: IssuerKeyHealth;
  /** The admin API's backoff and audit of failed operator authentication: one budget for both. */
  authDefense: OperatorAuthDefense;
  /** Shares the address limit across instances (absent: in-process). */
  rateLimitRedis?: Redis | Cluster | undefined;
}

/** No inline script or style, nothing from elsewhere, no framing, forms post here only. */
export const CONSOLE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const CONSOLE_BODY_LIMIT = 16 * 1024;

export async function consoleRoutes(app: FastifyInstance, options: ConsoleRoutesOptions): Promise<void> {
  const assets = loadConsoleAssets();
  const kit = createConsoleKit(options.ctx, assets, sessionKey(options.sessionSecret), options.authDefense.csrfRefusals);
  // Per client address before anything else, as on the admin API: the sign-in form takes no credential to post.
  await limitByAddress(app, { scope: 'console', rate: options.ctx.config.rateLimitConsole, redis: options.rateLimitRedis });
  // Without Redis there is one instance and no key encryption key: a per-process key is enough.
  if (!options.sessionSecret) options.ctx.logger.info('console sessions are sealed under a per-process key (one instance; they end at restart)');

  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= CONSOLE_BODY_LIMIT;
  });
  app.addHook('onSend', async (request, reply) => {
    void reply.headers({
      'content-security-policy': CONSOLE_CSP,
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
      // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` on its own form posts.
      'referrer-policy': 'same-origin',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'permissions-policy': 'camera=(), microphone=(), geolocation=()',
    });
    if (!reply.hasHeader('cache-control')) void reply.header('cache-control', 'no-store');
    if (request.protocol === 'https') void reply.header('strict-transport-security', 'max-age=31536000');
  });
  app.setErrorHandler((error: FastifyError, request, reply) => consoleError(kit, error, request, reply));
  app.setNotFoundHandler((request, reply) => {
    // RFC 9110 §15.5.6, as on the API: a page asked with a method it does not serve is 405.
    const allowed = methodsServed(app, request.url);
    if (allowed.length === 0) return kit.refuse(reply, request, 404, 'No such page.');
    void reply.header('allow', allowed.join(', '));
    return kit.refuse(reply, request, 405, `This page is served with ${allowed.join(', ')} only.`);
  });

  app.get('/assets/:name', async (request, reply) => {
    const asset = assets.byName.get((request.params as { name: string }).name);
    if (!asset) return kit.refuse(reply, request, 404, 'No such file.');
    return reply.type(asset.type).header('cache-control', 'public, max-age=31536000, immutable').send(asset.body);
  });
  registerAuthRoutes(app, kit, options.operatorKeySets ?? createOperatorKeySets(), options.authDefense);
  registerPageRoutes(app, kit, options.keyRing, options.issuerKeyHealth);
  registerActionRoutes(app, kit);
}

/** An HTML error page: the description of a client error, nothing at all of an internal one. */
function consoleError(kit: ConsoleKit, error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const e = toOAuthError(error);
  if (e.status >= 500) request.log.error({ err: error, code: e.code }, 'console request failed');
  // OAuthError descriptions are written for the caller (a 503 says whether a change may still land); a 500 says nothing.
  const message = e.status === 500 ? 'Something went wrong; the broker log has the details.' : e.description;
  if (e.headers['retry-after']) void reply.header('retry-after', e.headers['retry-after']);
  return kit.refuse(reply, request, e.status, message);
}
