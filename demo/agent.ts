/**
 * The demo's agent: a process that uses agent-sts/client. It finds the broker the way an MCP
 * client does (the tool's 401 challenge names its RFC 9728 metadata, which names the
 * authorization server), then holds its own key and asks for tokens by resource and intent.
 */
import { agentKeyAttestation, createTokenClient, parseBearerChallenge, parseChallenge, TokenClientError, type TokenClient } from 'agent-sts/client';
import type { JWK } from 'jose';
import { serveCommands } from './processes.js';

const toolUrl = process.env.DEMO_TOOL_URL as string;
const agentId = process.env.DEMO_AGENT as string;
const intent = process.env.DEMO_INTENT as string;
const privateKey = JSON.parse(process.env.DEMO_AGENT_JWK as string) as JWK;
const target = { resource: toolUrl, intent };
let client: TokenClient | undefined;

const sts = (): TokenClient => {
  if (!client) throw new Error('discover first');
  return client;
};

const failure = (error: unknown) => {
  if (!(error instanceof TokenClientError)) throw error;
  return { ok: false, error: error.error, description: error.errorDescription, status: error.status };
};

async function discover() {
  const unauthenticated = await fetch(`${toolUrl}/tickets`);
  const challenge = parseBearerChallenge(unauthenticated.headers.get('www-authenticate'));
  const metadataUrl = challenge?.resource_metadata;
  if (!metadataUrl) return { status: unauthenticated.status };
  const metadata = (await (await fetch(metadataUrl)).json()) as { resource?: string; authorization_servers?: string[] };
  // RFC 9728 §3.3: metadata for another resource than the one called is not this tool's: unused.
  if (metadata.resource !== toolUrl) return { status: unauthenticated.status, metadataUrl };
  const issuer = metadata.authorization_servers?.[0];
  if (!issuer) return { status: unauthenticated.status, metadataUrl };
  client = createTokenClient({ issuer, attestation: agentKeyAttestation({ agentId, privateKey }) });
  return { status: unauthenticated.status, metadataUrl, issuer };
}

serveCommands(async (command) => {
  switch (command.do) {
    case 'discover':
      return discover();
    case 'token':
      try {
        if (command.fresh) sts().invalidate(target);
        const token = await sts().getToken(target);
        return { ok: true, scopes: token.scopes, tokenType: token.tokenType, expiresInS: Math.round((token.expiresAtMs - Date.now()) / 1000) };
      } catch (error) {
        return failure(error);
      }
    case 'read': {
      const response = await sts().fetch(`${toolUrl}/tickets`, {}, target);
      return { status: response.status, body: await response.json() };
    }
    case 'close': {
      const response = await sts().fetch(`${toolUrl}/tickets/42/close`, { method: 'POST' }, target);
      // A DPoP-bound token is refused with a DPoP challenge (RFC 9449 §7.1), a bearer token with a Bearer one.
      const header = response.headers.get('www-authenticate');
      return { status: response.status, challenge: parseChallenge(header, 'DPoP') ?? parseBearerChallenge(header) ?? {} };
    }
    default:
      throw new Error(`unknown command ${String(command.do)}`);
  }
});
process.send?.({ ready: { agent: agentId } });
