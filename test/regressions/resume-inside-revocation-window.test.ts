/**
 * Regression (black-box review): "revoke all of an agent's tokens" revokes up to a few seconds
 * into the future (clock skew between instances). An operator who resumed the agent inside
 * that window got tokens minted that introspection already called revoked, while offline
 * JWKS verification accepted them. Inside the window the broker now answers 503 with
 * Retry-After, and the first token after it is live.
 */
import { decodeJwt } from 'jose';
import t from 'tap';
import { revocationByTime } from '../../src/tokens/index.js';
import { buildTestBroker, policyWithOperator } from '../helpers/broker.js';

t.test('no token is born revoked after a resume inside the revocation window', async (t) => {
  const { policy, admin } = policyWithOperator('op@example.com', 'operator', 'op-key');
  const b = await buildTestBroker({ policy });
  t.teardown(b.close);
  const act = async (action: string) => {
    const res = await b.app.inject({ method: 'POST', url: `/admin/agents/ticket-summarizer/${action}`, headers: admin, payload: { reason: 'leak' } });
    t.equal(res.statusCode, 200, res.body);
  };

  await act('revoke');
  await act('resume');
  const inside = await b.exchange(await b.attest());
  t.equal(inside.statusCode, 503, inside.body);
  t.equal(inside.json().error, 'temporarily_unavailable');
  const retryAfter = Number(inside.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 6, `Retry-After ${retryAfter} s covers the window`);

  b.clock.advance(retryAfter * 1000);
  const after = await b.exchange(await b.attest());
  t.equal(after.statusCode, 200, after.body);
  const { iat } = decodeJwt(after.json().access_token as string);
  const control = await b.store.getAgentControl('ticket-summarizer');
  t.equal(revocationByTime(iat as number, control.revokedBeforeMs, 0), null, 'the first token after Retry-After is live');
});

t.test('no token is born before the store epoch when this instance\'s clock lags the one that set it', async (t) => {
  const b = await buildTestBroker();
  t.teardown(b.close);
  const epochMs = (await b.store.checkMint({ agentId: 'ticket-summarizer' })).epochMs;
  b.clock.set(epochMs - 4_000); // this instance is 4 s behind
  const early = await b.exchange(await b.attest());
  t.equal(early.statusCode, 503, early.body);
  const retryAfter = Number(early.headers['retry-after']);
  t.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After ${retryAfter} s`);
  b.clock.advance(retryAfter * 1000);
  const later = await b.exchange(await b.attest());
  t.equal(later.statusCode, 200, later.body);
  const { iat } = decodeJwt(later.json().access_token as string);
  t.equal(revocationByTime(iat as number, null, epochMs), null, 'and the token it mints is live');
});
