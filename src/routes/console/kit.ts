/**
 * What every console route shares: reading and renewing the session cookie, the role and
 * CSRF guards, and rendering a page. A session is re-checked against the policy in force on
 * every request: the role is derived again from what the operator proved at sign-in (a
 * lowered role is lowered at once; a removed operator, a changed key or a sign-on issuer or
 * mapping that no longer grants a role ends the session), and against the store's
 * revocations (a sign-out ends it on every instance) and epoch (a store that lost its data
 * lost the sign-outs too: every session from before it ends).
 */
import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { roleAllows } from '../../admin/index.js';
import {
  cookieJar, createSessionSealer, errorPage, layout, readCookie, roleUnderPolicy, sameOrigin, setCookie, tokensMatch,
  type ConsoleAssets, type CookieJar, type Html, type Section, type Session, type SessionSealer,
} from '../../console/index.js';
import type { BrokerContext } from '../../context.js';
import { clientBucket } from '../../http/index.js';
import type { Role } from '../../policy/index.js';
import type { AuthFailureAudit } from '../admin/auth-failure-audit.js';
import { formField } from './form.js';

/** The store key under which a signed-out session's id is revoked. */
export const revokedSessionKey = (sid: string) => `console-session:${sid}`;
const RENEW_AFTER_MS = 60_000;

/**
 * How a route uses the session. `background`: a page's script asks it on a timer, not the
 * operator, so it reads with a valid session but does not renew the idle clock (OWASP Session
 * Management Cheat Sheet, "Idle Timeout": an open page polling must not keep an unattended
 * session alive), and without a session it answers 401 rather than sending a script to the
 * sign-in page.
 */
export interface SessionUse {
  background?: boolean;
}

export interface ConsoleKit {
  ctx: BrokerContext;
  assets: ConsoleAssets;
  jar(request: FastifyRequest): CookieJar;
  sealer(jar: CookieJar): SessionSealer;
  /** The session of a request that passed `require`. */
  session(request: FastifyRequest): Session;
  /** The valid session of a request, or null (no guard: the sign-in page uses it). */
  readSession(request: FastifyRequest, reply: FastifyReply, use?: SessionUse): Promise<Session | null>;
  require(role: Role, use?: SessionUse): preHandlerAsyncHookHandler;
  /** After `require`: the form's token must be the session's, from this site. */
  requireCsrf: preHandlerAsyncHookHandler;
  /**
   * True (and audited) when a form does not come from this site with the `expected` token.
   * Audited like failed sign-ins, the first per address and window then a summary: anyone
   * can send such forms, so one record each would let them flood the audit trail.
   */
  rejectsForm(request: FastifyRequest, expected: string, fields: Record<string, unknown>): boolean;
  writeSession(request: FastifyRequest, reply: FastifyReply, session: Session): void;
  page(reply: FastifyReply, request: FastifyRequest, title: string, body: Html, current?: Section, status?: number): FastifyReply;
  refuse(reply: FastifyReply, request: FastifyRequest, status: number, message: string): FastifyReply;
}

export function createConsoleKit(ctx: BrokerContext, assets: ConsoleAssets, key: Buffer, csrfRefusals: AuthFailureAudit): ConsoleKit {
  const sealers = new Map<string, SessionSealer>();
  const sessions = new WeakMap<FastifyRequest, Session>();
  const sealer = (jar: CookieJar) => {
    let s = sealers.get(jar.session);
    if (!s) sealers.set(jar.session, (s = createSessionSealer(key, jar.session)));
    return s;
  };
  const jar = (request: FastifyRequest) => cookieJar(request.protocol, request.socket.localAddress, ctx.config.issuer);

  const kit: ConsoleKit = {
    ctx, assets, jar, sealer,
    session(request) {
      const s = sessions.get(request);
      if (!s) throw new Error('console route without the session guard');
      return s;
    },
    async readSession(request, reply, use = {}) {
      const j = jar(request);
      const nowMs = ctx.clock();
      const session = sealer(j).open(readCookie(request.headers.cookie, j.session), nowMs);
      if (!session || !(await stillIssued(ctx, session))) return null;
      const role = currentRole(ctx, session);
      if (role === null) return null;
      const current: Session = { ...session, operator: { ...session.operator, role } };
      if (!use.background && nowMs - session.seen >= RENEW_AFTER_MS) kit.writeSession(request, reply, { ...current, seen: nowMs });
      return current;
    },
    require(role, use = {}) {
      return async (request, reply) => {
        const session = await kit.readSession(request, reply, use);
        if (!session) {
          if (request.method === 'GET' && !use.background) return reply.redirect('/console/sign-in', 303);
          return kit.refuse(reply, request, 401, 'Your session has ended: sign in again.');
        }
        sessions.set(request, session);
        if (!roleAllows(session.operator.role, role)) {
          audit(ctx, 'operator_forbidden', { operator: session.operator.id, role: session.operator.role, required_role: role, channel: 'console', method: request.method, path: request.routeOptions.url, remote_address: request.ip });
          return kit.refuse(reply, request, 403, `This needs the ${role} role; you are signed in as ${session.operator.role}.`);
        }
        return undefined;
      };
    },
    async requireCsrf(request, reply) {
      const session = kit.session(request);
      if (kit.rejectsForm(request, session.csrf, { operator: session.operator.id })) {
        return kit.refuse(reply, request, 403, 'The form was not sent from this console page (cross-site request refused). Reload the page and try again.');
      }
      return undefined;
    },
    rejectsForm(request, expected, fields) {
      const reason = !sameOrigin(request.headers as Record<string, string>, request.protocol)
        ? 'cross_site'
        : tokensMatch(expected, formField(request.body, '_csrf')) ? null : 'bad_token';
      if (reason) csrfRefusals.failed(clientBucket(request), reason, { ...fields, path: request.routeOptions.url, remote_address: request.ip });
      return reason !== null;
    },
    writeSession(request, reply, session) {
      const j = jar(request);
      void reply.header('set-cookie', setCookie(j, j.session, sealer(j).seal(session), (session.exp - ctx.clock()) / 1000));
    },
    page(reply, request, title, body, current, status = 200) {
      const s = sessions.get(request);
      const html = layout({ title, assets, body, ...(current ? { current } : {}), ...(s ? { session: { operator: s.operator, csrf: s.csrf } } : {}) });
      return reply.code(status).type('text/html; charset=utf-8').send(html.toString());
    },
    refuse(reply, request, status, message) {
      const s = sessions.get(request);
      return reply.code(status).type('text/html; charset=utf-8').send(errorPage(assets, status, message, s ? { operator: s.operator, csrf: s.csrf } : undefined).toString());
    },
  };
  return kit;
}

/**
 * The operator's role under the policy in force, from what they proved at sign-in, or null
 * when that credential would no longer be accepted (the same answer the admin API gives it).
 */
function currentRole(ctx: BrokerContext, session: Session): Role | null {
  return roleUnderPolicy(ctx.policy.current().policy, session.operator.id, session.proof);
}

/**
 * Not signed out, and from the store's current epoch: a store that lost its data lost the
 * sign-outs recorded in it, so any session from before may have been signed out (fail
 * closed: the operator signs in again, as tokens issued before the epoch are refused).
 */
async function stillIssued(ctx: BrokerContext, session: Session): Promise<boolean> {
  const [revoked, epochMs] = await Promise.all([ctx.store.isTokenRevoked(revokedSessionKey(session.sid)), ctx.store.epoch()]);
  return !revoked && session.epochMs === epochMs;
}

/** Console events go to the audit trail; if it cannot be written, to the service log (refusing does not wait on it). */
export function audit(ctx: BrokerContext, event: string, data: Record<string, unknown>): void {
  try {
    ctx.audit.record(event, data);
  } catch (error) {
    ctx.logger.error({ audit_event: event, ...data, err: (error as Error).message }, 'audit trail unavailable');
  }
}
