/** A broker (the production app through buildTestBroker) with console operators, and a tiny cookie-aware client for inject. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { agentDoc, basePolicy, buildTestBroker, type TestBrokerOptions } from '../helpers/broker.js';

export const KEYS = { operator: 'console-operator-key-1', auditor: 'console-auditor-key-2' } as const;
export const KEK = Buffer.alloc(32, 7).toString('base64');
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

export function consolePolicy(extraAgents: Array<Record<string, unknown>> = []) {
  return {
    ...basePolicy(),
    agents: [agentDoc('ticket-summarizer'), agentDoc('orphan-bot', { owner: 'team-gone' }), ...extraAgents],
    operators: [
      { id: 'carol@example.com', role: 'operator', key_sha256: sha(KEYS.operator) },
      { id: 'ann@example.com', role: 'auditor', key_sha256: sha(KEYS.auditor) },
    ],
  };
}

export function consoleBroker(options: TestBrokerOptions = {}) {
  return buildTestBroker({ policy: consolePolicy(), ...options, env: { STS_KEY_ENCRYPTION_KEY: KEK, ...options.env } });
}

/** A browser-like client over inject: keeps cookies, follows nothing. */
export function client(app: FastifyInstance) {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (res: LightMyRequestResponse) => {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      const name = (pair ?? '').slice(0, eq);
      const value = (pair ?? '').slice(eq + 1);
      if (/Max-Age=0/.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  };
  const get = async (url: string, headers: Record<string, string> = {}) => remember(await app.inject({ url, headers: { cookie: cookieHeader(), ...headers } }));
  const post = async (url: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
    remember(await app.inject({ method: 'POST', url, payload: new URLSearchParams(form).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(), ...headers } }));
  const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const signIn = async (key: string) => {
    const form = await get('/console/sign-in');
    return post('/console/sign-in', { _csrf: csrfOf(form.body), credential: key });
  };
  return { jar, get, post, csrfOf, signIn };
}
