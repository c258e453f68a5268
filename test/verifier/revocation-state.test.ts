/**
 * The verifier's deny state, rule by rule: what each kind of revocation covers (by issue time,
 * with the clock tolerance), when it is forgotten (once every token it covers has expired),
 * delegation (an agent of the chain, the person), and that a full table refuses more, never less.
 */
import t from 'tap';
import { manualClock } from '../../src/clock.js';
import { createRevocationState, type RevocableToken } from '../../src/verifier/revocation-state.js';

const BROKER = 'https://sts.test';
const T = 1_800_000_000; // seconds
const HOUR_MS = 3_600_000;

function fresh(maxEntries = 10) {
  const clock = manualClock(T * 1000);
  const state = createRevocationState({ now: clock, toleranceS: 5, maxTokenLifetimeMs: HOUR_MS, maxEntries });
  return { clock, state };
}
const token = (extra: Partial<RevocableToken> = {}): RevocableToken => ({ iat: T, jti: 'j-1', clientId: 'agent-a', sub: 'agent-a', actors: [], kid: 'k-1', ...extra });

t.test('an agent: tokens issued up to the instant (plus the tolerance), for as long as they can live', async (t) => {
  const { clock, state } = fresh();
  state.revokeAgent('agent-a', T);
  t.equal(state.check(token({ iat: T - 100 }), BROKER), 'agent_revoked');
  t.equal(state.check(token({ iat: T + 5 }), BROKER), 'agent_revoked', 'within the tolerance');
  t.equal(state.check(token({ iat: T + 6 }), BROKER), null, 'issued after: accepted');
  t.equal(state.check(token({ clientId: 'agent-b', sub: 'agent-b' }), BROKER), null, 'another agent');
  clock.advance(HOUR_MS + 4_000);
  t.equal(state.check(token({ iat: T - 100 }), BROKER), 'agent_revoked', 'still within a token\'s life');
  clock.advance(2_000);
  t.equal(state.check(token({ iat: T - 100 }), BROKER), null, 'forgotten once every token it covers has expired');
});

t.test('a jti and a key cover their tokens whenever issued; the floor covers everything before it', async (t) => {
  const { state } = fresh();
  state.revokeToken('j-1', T);
  t.equal(state.check(token({ iat: T + 100 }), BROKER), 'token_revoked');
  t.equal(state.check(token({ jti: 'j-2' }), BROKER), null);
  state.compromiseKey('k-2', T);
  t.equal(state.check(token({ jti: 'j-3', kid: 'k-2', iat: T + 100 }), BROKER), 'key_compromised');
  state.revokeAllBefore(T + 10);
  t.equal(state.check(token({ jti: 'j-4', iat: T + 15 }), BROKER), 'revoked_before');
  t.equal(state.check(token({ jti: 'j-4', iat: T + 16 }), BROKER), null);
});

t.test('delegation: any agent of the chain, the agent acted for, the person acted for', async (t) => {
  const { state } = fresh();
  state.revokeAgent('orchestrator', T);
  t.equal(state.check(token({ actors: ['orchestrator'] }), BROKER), 'chain_agent_revoked');
  t.equal(state.check(token({ sub: 'orchestrator', subjectIssuer: BROKER }), BROKER), 'chain_agent_revoked', 'acting for that agent');
  t.equal(state.check(token({ sub: 'orchestrator', subjectIssuer: 'https://idp.test' }), BROKER), null, 'a person who happens to share the name');
  state.revokePerson('https://idp.test', 'alice', T);
  t.equal(state.check(token({ sub: 'alice', subjectIssuer: 'https://idp.test' }), BROKER), 'person_revoked');
  t.equal(state.check(token({ sub: 'alice', subjectIssuer: 'https://other-idp.test' }), BROKER), null, 'same subject at another identity provider');
});

t.test('a full table forgets its oldest entry and refuses everything issued before it instead', async (t) => {
  const { state } = fresh(2);
  state.revokeAgent('a', T - 30);
  state.revokeAgent('b', T - 20);
  state.revokeAgent('c', T - 10);
  t.equal(state.size(), 2);
  t.equal(state.check(token({ clientId: 'a', sub: 'a', iat: T - 40 }), BROKER), 'revoked_before', 'a\'s tokens are still refused');
  t.equal(state.check(token({ clientId: 'z', sub: 'z', iat: T - 40 }), BROKER), 'revoked_before', 'and so is every token that old (fail closed)');
  t.equal(state.check(token({ clientId: 'z', sub: 'z', iat: T }), BROKER), null, 'newer tokens of others are not');
  t.equal(state.check(token({ clientId: 'c', sub: 'c', iat: T - 10 }), BROKER), 'agent_revoked');
});
