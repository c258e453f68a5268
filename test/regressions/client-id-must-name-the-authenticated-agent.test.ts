/**
 * Regression: a client_id naming another agent was ignored by token exchange and the
 * jwt-bearer grant (only client credentials checked it), so a client that openid-client
 * configured with the wrong identity got tokens for a different agent without being told.
 * RFC 6749 §3.2.1 and RFC 7521 §4.2: a client_id sent with a request identifies the client;
 * here the client is the agent proven, and a mismatch is invalid_client on every grant.
 */
import t from 'tap';
import { buildTestBroker, SA, TICKETS } from '../helpers/broker.js';

const MISMATCH = { error: 'invalid_client', error_description: 'client authentication failed' };

t.test('every grant refuses a client_id that names another agent, and accepts the right one', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const jwtBearer = async (clientId?: string) => broker.token({
    grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion: await broker.attest(SA), audience: TICKETS,
    ...(clientId === undefined ? {} : { client_id: clientId }),
  });
  const grants: Array<[string, (clientId?: string) => Promise<{ statusCode: number; json(): unknown }>]> = [
    ['token exchange', async (clientId) => broker.exchange(await broker.attest(SA), clientId === undefined ? {} : { client_id: clientId })],
    ['jwt-bearer', jwtBearer],
    ['client credentials', async (clientId) => broker.clientCredentials(await broker.assertion('ticket-summarizer'), clientId === undefined ? {} : { client_id: clientId })],
  ];
  for (const [name, request] of grants) {
    const other = await request('kb-reader');
    t.same([other.statusCode, other.json()], [401, MISMATCH], `${name}: another agent's client_id`);
    t.equal((await request('ticket-summarizer')).statusCode, 200, `${name}: the agent's own client_id`);
    t.equal((await request()).statusCode, 200, `${name}: no client_id`);
  }
  const denied = broker.auditLines.filter((l) => l.event === 'token_denied').at(-1);
  t.match(denied, { reason: 'client_mismatch' }, 'audited with its reason');
});
