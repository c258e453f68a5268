/**
 * Tokens, attestations and assertions never reach an error or a log line of the client:
 * not in messages, not in JSON, not in util.inspect, not even when the server echoes them.
 */
import { inspect } from 'node:util';
import t from 'tap';
import { agentKeyAttestation, createTokenClient, functionAttestation, TokenClientError, type ClientLogger } from '../../src/client/index.js';
import { keyPair, SA, TICKETS } from '../helpers/broker.js';
import { agentClient, listeningBroker } from '../helpers/listening-broker.js';
import { json, localServer } from '../helpers/local-server.js';

function recordingLogger(): { logger: ClientLogger; text: () => string } {
  const lines: unknown[] = [];
  return {
    logger: { debug: (fields, message) => lines.push({ fields, message }), warn: (fields, message) => lines.push({ fields, message }) },
    text: () => JSON.stringify(lines),
  };
}

function everyRendering(value: unknown): string {
  return [String(value), JSON.stringify(value), inspect(value, { depth: 5, showHidden: true }), (value as Error).stack ?? ''].join('\n');
}

t.test('an issued token shows what it is for, never itself', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const { logger, text } = recordingLogger();
  const { client } = await agentClient(broker, { logger });
  const token = await client.getToken({ audience: TICKETS });
  t.ok(token.value.length > 100);
  const shown = [String(token), JSON.stringify(token), inspect(token), JSON.stringify({ ...token }), Object.keys(token).join()].join('\n');
  t.notMatch(shown, token.value, 'no rendering of the object holds the token');
  t.match(shown, /tickets:read/);
  t.equal(token.authorization(), `DPoP ${token.value}`, 'bound to the client\'s key by default');
  t.match(text(), /token obtained/);
  t.notMatch(text(), token.value.split('.')[2]!, 'the log line has no token');
});

t.test('a refused attestation: neither the error nor the log holds it', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const stranger = await keyPair('ES256', 'k8s-1');
  const forged = await broker.attest(SA, undefined, { key: stranger.privateKey });
  const { logger, text } = recordingLogger();
  const client = createTokenClient({ issuer: broker.issuer, attestation: functionAttestation(() => forged), now: broker.clock, logger });
  const error = await client.getToken({ audience: TICKETS }).catch((e: unknown) => e);
  t.type(error, TokenClientError);
  t.match(error, { error: 'invalid_request', status: 400, errorDescription: 'subject_token was not accepted' });
  const signature = forged.split('.')[2]!;
  t.notMatch(everyRendering(error), signature);
  t.notMatch(text(), signature);
});

t.test('a server that echoes the credential: the description is blanked where a JWT was', async (t) => {
  const assertionKey = await keyPair('ES256', 'echo-1');
  let sent = '';
  const server = await localServer({
    '/token': (_req, res, body) => {
      sent = new URLSearchParams(body).get('client_assertion') ?? '';
      json(res, 400, { error: 'invalid_client', error_description: `bad assertion ${sent} (see docs)` }, { 'retry-after': '1' });
    },
  });
  t.teardown(server.close);
  const { logger, text } = recordingLogger();
  const client = createTokenClient({
    issuer: server.url,
    attestation: agentKeyAttestation({ agentId: 'a', privateKey: assertionKey.privateKey, alg: 'ES256' }),
    logger,
  });
  const error = await client.getToken({ audience: TICKETS }).catch((e: unknown) => e);
  t.ok(sent.length > 100, 'the server did receive an assertion');
  t.match(error, { error: 'invalid_client', errorDescription: 'bad assertion [redacted] (see docs)' });
  t.notMatch(everyRendering(error), sent.split('.')[1]!);
  t.notMatch(text(), sent.split('.')[1]!);
});

t.test('a non-OAuth error code from the wire is not echoed', async (t) => {
  const server = await localServer({ '/token': (_req, res) => json(res, 400, { error: 'evil"code\nwith newline', error_description: 'x\u0000y' }) });
  t.teardown(server.close);
  const client = createTokenClient({ issuer: server.url, attestation: functionAttestation(() => 'attestation') });
  await t.rejects(client.getToken({ audience: TICKETS }), { name: 'TokenClientError', error: 'invalid_response', errorDescription: 'x y' });
});
