import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { createLocalSigner, mintAccessToken } from '../../src/signing/index.js';
import { StoreUnavailableError } from '../../src/errors.js';
import { buildHarness, STS } from './helpers.js';

async function setup(t: { teardown(fn: () => Promise<void>): void }) {
  const h = await buildHarness();
  t.teardown(h.close);
  const caller = () => ({ authorization: `Bearer ${h.mint('resource-server', { audience: STS, scopes: ['sts:introspect'] })}` });
  const introspect = async (token: string, headers: Record<string, string> = caller()) => h.form('/oauth/introspect', { token }, headers);
  return { h, caller, introspect };
}

t.test('an active token: its claims, Bearer, no-store', async (t) => {
  const { h, introspect } = await setup(t);
  const token = h.mint('healthy', { ttlSeconds: 300 });
  const res = await introspect(token);
  t.equal(res.statusCode, 200);
  t.equal(res.headers['cache-control'], 'no-store');
  const iat = Math.floor(h.clock() / 1000);
  t.match(res.json(), {
    active: true, iss: STS, sub: 'healthy', client_id: 'healthy', aud: 'https://tickets.test', iat, nbf: iat, exp: iat + 300,
    scope: 'tickets:read', intent: 'read-tickets', tier: 'read-only', owner: 'team-a', token_type: 'Bearer',
  });
  t.equal(typeof res.json().jti, 'string');
  const hinted = await h.form('/oauth/introspect', { token, token_type_hint: 'refresh_token' }, { authorization: `Bearer ${h.mint('resource-server', { audience: STS, scopes: ['sts:introspect'] })}` });
  t.equal(hinted.json().active, true, 'token_type_hint is ignored');
});

t.test('inactive: expired, revoked by jti, by agent, before the store epoch, foreign, garbage', async (t) => {
  const { h, introspect } = await setup(t);
  const expiring = h.mint('healthy', { ttlSeconds: 60 });
  const byJti = h.mint('healthy');
  const jti = JSON.parse(Buffer.from(byJti.split('.')[1] as string, 'base64url').toString()).jti as string;
  await h.store.revokeToken(jti, h.clock() + 600_000);
  t.same((await introspect(byJti)).json(), { active: false }, 'revoked by jti');

  const byAgent = h.mint('orphan');
  await h.store.revokeAgentTokens('orphan', h.clock());
  t.same((await introspect(byAgent)).json(), { active: false }, 'revoked with its agent');

  h.clock.advance(61_000);
  t.same((await introspect(expiring)).json(), { active: false }, 'expired');

  // A token signed by a key that is not in our ring (another broker's, same issuer name).
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const foreign = mintAccessToken({
    issuer: STS, agentId: 'healthy', audience: 'https://tickets.test', scopes: ['tickets:read'], intent: 'read-tickets',
    tier: 'read-only', owner: 'team-a', jti: 'f-1', issuedAtMs: h.clock(), ttlSeconds: 300,
  }, createLocalSigner(privateKey, 'ES256')).token;
  t.same((await introspect(foreign)).json(), { active: false }, 'foreign');
  t.same((await introspect('garbage')).json(), { active: false }, 'garbage');
});

t.test('RFC 7662 §4: a caller that lists the audiences it serves learns only about their tokens', async (t) => {
  const { h, introspect } = await setup(t);
  const ticketsRs = { authorization: `Bearer ${h.mint('tickets-rs', { audience: STS, scopes: ['sts:introspect'] })}` };
  const forTickets = h.mint('healthy', { audience: 'https://tickets.test', scopes: ['tickets:read'] });
  const forPayroll = h.mint('healthy', { audience: 'https://payroll.test', scopes: ['payroll:read'] });
  t.match((await introspect(forTickets, ticketsRs)).json(), { active: true, aud: 'https://tickets.test' }, 'its own audience');
  t.same((await introspect(forPayroll, ticketsRs)).json(), { active: false }, 'another resource server\'s token');
  t.match((await introspect(forPayroll)).json(), { active: true }, 'a caller without introspects sees every audience');
});

t.test('tokens issued before the store epoch are inactive', async (t) => {
  const { h, introspect } = await setup(t);
  const token = h.mint('healthy');
  const realCheck = h.store.checkToken.bind(h.store);
  // The store restarted empty 5 s from now (for the healthy agent's token only; the caller is fine).
  h.store.checkToken = async (j, a) => ({ ...(await realCheck(j, a)), ...(a === 'healthy' ? { epochMs: h.clock() + 5_000 } : {}) });
  t.same((await introspect(token)).json(), { active: false });
  h.store.checkToken = async (j, a) => ({ ...(await realCheck(j, a)), ...(a === 'healthy' ? { epochMs: h.clock() + 500 } : {}) });
  t.equal((await introspect(token)).json().active, true, 'a token minted in the epoch\'s own second stays good');
});

t.test('the caller needs an active token of ours, for the broker, with sts:introspect', async (t) => {
  const { h, introspect } = await setup(t);
  const token = h.mint('healthy');
  // RFC 6750 §3.1: without any credential, no error code (body or challenge).
  const cases: Array<[string, Record<string, string>, number, string | undefined]> = [
    ['no credential', {}, 401, undefined],
    ['garbage', { authorization: 'Bearer garbage' }, 401, 'invalid_token'],
    // RFC 6750 §3.1: a valid token lacking the audience or scope is insufficient_scope.
    ['wrong audience', { authorization: `Bearer ${h.mint('resource-server', { audience: 'https://tickets.test', scopes: ['sts:introspect'] })}` }, 401, 'invalid_token'],
    ['no introspect scope', { authorization: `Bearer ${h.mint('resource-server', { audience: STS, scopes: ['tickets:read'] })}` }, 403, 'insufficient_scope'],
  ];
  for (const [name, headers, status, error] of cases) {
    const res = await introspect(token, headers);
    t.equal(res.statusCode, status, name);
    t.match(res.headers['www-authenticate'], /^Bearer realm="agent-sts"/, name);
    t.equal(res.json().error, error);
  }
  const revokedCaller = h.mint('resource-server', { audience: STS, scopes: ['sts:introspect'] });
  await h.store.revokeAgentTokens('resource-server', h.clock());
  t.equal((await introspect(token, { authorization: `Bearer ${revokedCaller}` })).statusCode, 401, 'a revoked caller');
});

t.test('introspection: missing token is 400, JSON body refused, store outage 503', async (t) => {
  const { h, caller, introspect } = await setup(t);
  t.equal((await h.form('/oauth/introspect', {}, caller())).statusCode, 400);
  const json = await h.app.inject({ method: 'POST', url: '/oauth/introspect', headers: caller(), payload: { token: 'x' } });
  t.equal(json.statusCode, 400);
  const token = h.mint('healthy');
  const headers = caller();
  h.store.checkToken = async () => { throw new StoreUnavailableError('down'); };
  const res = await introspect(token, headers);
  t.equal(res.statusCode, 503, 'never "active" without the store');
});

t.test('RFC 7009: a holder revokes its token; 200 for anything, 503 when the store is down', async (t) => {
  const { h, introspect } = await setup(t);
  const token = h.mint('healthy');
  const res = await h.form('/oauth/revoke', { token, token_type_hint: 'access_token' });
  t.equal(res.statusCode, 200);
  t.equal(res.body, '');
  t.same((await introspect(token)).json(), { active: false });
  t.match(h.auditLines.at(-1), { event: 'token_revoked', agent: 'healthy', by: 'holder' });
  t.equal((await h.form('/oauth/revoke', { token: 'garbage' })).statusCode, 200, 'garbage');
  t.equal((await h.form('/oauth/revoke', { token, token_type_hint: 'weird' })).statusCode, 200, 'unknown hint, already revoked');
  t.equal((await h.form('/oauth/revoke', {})).statusCode, 400, 'no token at all');
  h.store.checkToken = async () => { throw new StoreUnavailableError('down'); };
  const down = await h.form('/oauth/revoke', { token: h.mint('healthy') });
  t.equal(down.statusCode, 503);
  t.equal(down.json().error, 'temporarily_unavailable');
});
