/**
 * The story of RFC 9449: a DPoP-bound token stolen from an agent (its memory, a log, a prompt,
 * even with a proof captured on the wire) is useless at an API protected by the fastify plugin,
 * while the agent itself goes on working. A real broker issues the token; the agent uses
 * agent-sts/client unchanged; the API is fastify with agent-sts/fastify over HTTP.
 */
import t from 'tap';
import { parseChallenge } from '../../src/client/index.js';
import { createDpopProof } from '../../src/dpop/index.js';
import { boundClient, brokerAndTool, proofKey } from '../helpers/dpop.js';

t.test('a DPoP-bound token stolen from an agent is useless at an API protected by the fastify plugin', async (t) => {
  const { broker, resource, seen } = await brokerAndTool(t);
  const { client, sent } = boundClient(broker);
  const target = { resource, intent: 'summarize-tickets' };
  const agentCall = () => client.fetch(`${resource}/tickets`, {}, target);

  t.equal((await agentCall()).status, 200, 'the agent calls the API');
  const stolen = await client.getToken(target);
  t.equal(stolen.tokenType, 'DPoP', 'the token the agent holds is DPoP-bound');
  const captured = sent.filter((r) => r.url === `${resource}/tickets`).at(-1);
  t.ok(captured?.dpop, 'and the thief even captured the proof the agent sent with it');

  const thiefKey = proofKey();
  const iatS = () => Math.floor(broker.clock() / 1000);
  const attempt = async (path: string, headers: Record<string, string>, method = 'GET') => {
    const response = await fetch(`${resource}${path}`, { method, headers });
    const challenge = response.headers.get('www-authenticate');
    return { status: response.status, dpop: parseChallenge(challenge, 'DPoP'), bearer: parseChallenge(challenge, 'Bearer') };
  };

  const asBearer = await attempt('/tickets', { authorization: `Bearer ${stolen.value}` });
  t.match(asBearer, { status: 401, bearer: { error: 'invalid_token', error_description: /DPoP-bound/ } }, 'as a bearer token: refused (RFC 9449 §7.2)');

  const ownKey = createDpopProof(thiefKey, { htm: 'GET', htu: `${resource}/tickets`, accessToken: stolen.value, iatS: iatS() });
  t.match(await attempt('/tickets', { authorization: `DPoP ${stolen.value}`, dpop: ownKey }), { status: 401, dpop: { error: 'invalid_token', error_description: 'invalid DPoP key binding' } },
    'with a valid proof by the thief\'s own key: refused, the token is bound to the agent\'s key');

  t.match(await attempt('/tickets', { authorization: `DPoP ${stolen.value}`, dpop: captured!.dpop! }), { status: 401, dpop: { error: 'invalid_dpop_proof', error_description: 'the DPoP proof has been used already' } },
    'with the captured proof, replayed: refused');
  t.match(await attempt('/tickets/42', { authorization: `DPoP ${stolen.value}`, dpop: captured!.dpop! }), { status: 401, dpop: { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is for another URL' } },
    'the captured proof for another URL: refused');
  t.match(await attempt('/tickets', { authorization: `DPoP ${stolen.value}`, dpop: captured!.dpop! }, 'HEAD'), { status: 401, dpop: { error: 'invalid_dpop_proof', error_description: 'the DPoP proof is for another HTTP method' } },
    'the captured proof with another method: refused');
  t.match(await attempt('/tickets', { authorization: `DPoP ${stolen.value}` }), { status: 401, dpop: { error: 'invalid_dpop_proof' } }, 'with no proof: refused');

  broker.clock.advance(5_000);
  t.equal((await agentCall()).status, 200, 'the agent goes on working: it holds the key');
  t.same(seen.filter((s) => s.status === 200).map((s) => s.scheme), ['DPoP', 'DPoP'], 'only the agent\'s two calls were served');
});
