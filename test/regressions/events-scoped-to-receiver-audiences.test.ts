/**
 * Regression (security probe): every receiver saw every event. A resource server whose policy
 * says `introspects: [https://other.example.internal]` received the suspensions of agents and
 * the revoked jtis of tokens for other audiences. A receiver now learns only of events about
 * tokens for audiences it serves (as introspection answers, RFC 7662 §4): an agent's events
 * where the agent (or an agent exchanging its tokens onward) holds intents for them, a token's
 * where it is that token's audience; events about the broker's keys go to every receiver.
 */
import t from 'tap';
import { STS, TICKETS, type PolicyDoc } from '../helpers/broker.js';
import { OTHER_RECEIVER, RECEIVER, receiverToken, ssfPolicy, ssfTestBroker, withSsfOperator } from '../helpers/ssf.js';

const SESSION_REVOKED = 'https://schemas.openid.net/secevent/caep/event-type/session-revoked';
const CREDENTIAL_CHANGE = 'https://schemas.openid.net/secevent/caep/event-type/credential-change';

function policy(): PolicyDoc {
  const doc = withSsfOperator(ssfPolicy(STS));
  for (const agent of doc.agents as Array<Record<string, unknown>>) {
    if (agent.id === RECEIVER) agent.introspects = [TICKETS];
    if (agent.id === OTHER_RECEIVER) agent.introspects = ['https://other.example.internal'];
  }
  return doc;
}

type Set = { sub_id: Record<string, string>; events: Record<string, unknown> };

t.test('a receiver learns only of events about tokens for its own audiences', async (t) => {
  const { broker, call, admin } = await ssfTestBroker({ policy: policy() });
  t.teardown(broker.close);
  const streamOf = async (receiver: string) => (await call('POST', '/ssf/stream', {}, receiver)).json().stream_id as string;
  const drain = async (receiver: string, stream: string): Promise<Set[]> => {
    await broker.flush();
    // A fresh token each time: an emergency rotation revokes the one signed by the withdrawn key.
    const headers = { authorization: `Bearer ${await receiverToken(broker, receiver)}` };
    const poll = (payload: object) => broker.app.inject({ method: 'POST', url: `/ssf/poll/${stream}`, headers, payload });
    const sets = (await poll({ returnImmediately: true })).json().sets as Record<string, string>;
    if (Object.keys(sets).length > 0) await poll({ ack: Object.keys(sets), maxEvents: 0 });
    return Object.values(sets).map((set) => JSON.parse(Buffer.from(set.split('.')[1] as string, 'base64url').toString()) as Set);
  };
  const tickets = await streamOf(RECEIVER);
  const other = await streamOf(OTHER_RECEIVER);
  const token = (await broker.exchange(await broker.attest())).json().access_token as string;

  t.equal((await admin('/agents/ticket-summarizer/suspend', { reason: 'incident' })).statusCode, 200);
  const revoked = await broker.app.inject({ method: 'POST', url: '/oauth/revoke', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: `token=${token}` });
  t.equal(revoked.statusCode, 200);
  t.match(await drain(RECEIVER, tickets), [
    { sub_id: { format: 'opaque', id: 'ticket-summarizer' }, events: { [SESSION_REVOKED]: {} } },
    { sub_id: { format: 'jwt_id' }, events: { [SESSION_REVOKED]: {} } },
  ], 'the API the agent\'s tokens are for learns of both');
  t.same(await drain(OTHER_RECEIVER, other), [], 'a receiver of another audience learns of neither');

  const late = await streamOf(OTHER_RECEIVER);
  t.same(await drain(OTHER_RECEIVER, late), [], 'nor does a stream it creates later (catch-up)');

  t.equal((await admin('/keys/rotate', { compromised: true, reason: 'leak' })).statusCode, 200);
  t.match(await drain(OTHER_RECEIVER, other), [{ events: { [CREDENTIAL_CHANGE]: {} } }], 'a withdrawn key concerns every receiver');
});
