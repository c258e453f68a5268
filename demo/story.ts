/**
 * The demo's steps, in order. Each does one thing, says in plain words what happened, and
 * names what was expected when something else happened.
 */
import type { Scripted } from './processes.js';
import { AGENT, INTENT } from './setup.js';

export interface Outcome {
  told: string;
  failure?: string;
}
export type Step = () => Promise<Outcome>;

interface TokenReply { ok: boolean; scopes?: string[]; tokenType?: string; expiresInS?: number; error?: string; description?: string; status?: number }
interface CallReply { status: number; body?: { tickets?: unknown[] }; challenge?: Record<string, string> }

export interface StoryDeps {
  issuer: string;
  toolUrl: string;
  agent: Scripted;
  operator(action: 'suspend' | 'resume'): Promise<{ status: number; body: Record<string, unknown> }>;
}

const expect = (told: string, ok: boolean, expected: string): Outcome => (ok ? { told } : { told, failure: `expected ${expected}` });

export function story({ issuer, agent, operator }: StoryDeps): Step[] {
  const getToken = (fresh = false) => agent.ask<TokenReply>({ do: 'token', fresh });
  return [
    async () => {
      const found = await agent.ask<{ status: number; metadataUrl?: string; issuer?: string }>({ do: 'discover' });
      return expect(
        `The agent calls the tool without a token: ${found.status}. The challenge points to the tool's metadata, which names ${found.issuer ?? 'no one'} as the authorization server.`,
        found.status === 401 && found.issuer === issuer, `401 and the broker ${issuer}`);
    },
    async () => {
      const token = await getToken();
      return expect(
        token.ok ? `The agent gets a token for its intent ${INTENT}: scope ${token.scopes?.join(' ')}, valid ${token.expiresInS} s, ${token.tokenType === 'DPoP' ? 'bound to its DPoP key (useless to anyone who copies it)' : 'a bearer token'}.` : `The agent asks for a token: refused, ${token.error}: ${token.description}`,
        token.ok && token.scopes?.join(' ') === 'tickets:read', 'a token with scope tickets:read');
    },
    async () => {
      const read = await agent.ask<CallReply>({ do: 'read' });
      return expect(`With it, the agent reads the open tickets: ${read.status}, ${read.body?.tickets?.length ?? 0} tickets.`,
        read.status === 200 && read.body?.tickets?.length === 3, '200 with 3 tickets');
    },
    async () => {
      const close = await agent.ask<CallReply>({ do: 'close' });
      return expect(
        `It tries to close a ticket, which is outside its intent: ${close.status} ${close.challenge?.error ?? ''} (the tool needs scope ${close.challenge?.scope ?? '?'}).`,
        close.status === 403 && close.challenge?.error === 'insufficient_scope', '403 insufficient_scope');
    },
    async () => {
      const suspended = await operator('suspend');
      return expect(`An operator suspends ${AGENT} through the admin API: ${suspended.status}, state ${String(suspended.body.state)}.`,
        suspended.status === 200 && suspended.body.state === 'suspended', 'the agent suspended');
    },
    async () => {
      const refused = await getToken(true);
      return expect(
        refused.ok ? 'The agent asks for a new token: it was issued.' : `The agent asks for a new token: refused, ${refused.error}: ${refused.description}. (A token it already holds lives out its minutes; \`admin revoke\` ends those too.)`,
        !refused.ok && refused.error === 'unauthorized_client' && /suspended/.test(refused.description ?? ''), 'unauthorized_client naming the suspension');
    },
    async () => {
      const resumed = await operator('resume');
      return expect(`The operator resumes ${AGENT}: ${resumed.status}, state ${String(resumed.body.state)}.`,
        resumed.status === 200 && resumed.body.state === 'active', 'the agent resumed');
    },
    async () => {
      const token = await getToken(true);
      const read = token.ok ? await agent.ask<CallReply>({ do: 'read' }) : { status: 0 };
      return expect(
        token.ok ? `The agent gets a token again and reads the tickets: ${read.status}.` : `The agent asks for a token: refused, ${token.error}.`,
        token.ok && read.status === 200, 'a token and 200');
    },
  ];
}
