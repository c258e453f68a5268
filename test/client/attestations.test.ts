/**
 * The three attestation sources against a real broker: a token file read again when it
 * changes, an agent key signing a fresh RFC 7523 assertion per request (aud = the issuer as
 * one string, unique jti, at most 60 s), and a caller-supplied function.
 */
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { agentKeyAttestation, createTokenClient, fileAttestation, functionAttestation } from '../../src/client/index.js';
import { SA, TICKETS } from '../helpers/broker.js';
import { listeningBroker } from '../helpers/listening-broker.js';

t.test('a token file is read again when it changes (atomic replace, as kubelet does)', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const dir = mkdtempSync(join(tmpdir(), 'sts-client-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'token');
  const replace = (content: string) => {
    writeFileSync(join(dir, 'token.next'), content);
    renameSync(join(dir, 'token.next'), path);
  };
  const source = fileAttestation(path);
  const context = { issuer: broker.issuer, tokenEndpoint: `${broker.issuer}/oauth/token`, nowMs: broker.clock() };

  replace(`${await broker.attest()}\n`);
  const client = createTokenClient({ issuer: broker.issuer, attestation: source, now: broker.clock });
  const first = await client.getToken({ audience: TICKETS });
  t.equal(decodeJwt(first.value).sub, 'ticket-summarizer', 'exchanged the file\'s attestation');

  replace('not-a-token');
  t.equal(await source.read(context), 'not-a-token', 'a replaced file is read again');
  writeFileSync(path, 'rewritten-in-place');
  t.equal(await source.read(context), 'rewritten-in-place', 'a file rewritten in place (same inode) is read again');
  replace('not-a-token');
  await t.rejects(client.getToken({ audience: 'https://kb.test' }), { name: 'TokenClientError', error: 'invalid_request', status: 400 }, 'and what it now holds is what the broker sees');
  const rotated = await broker.attest(SA, { 'kubernetes.io': { namespace: 'agents' } }, { iatOffsetS: 30 });
  replace(rotated);
  t.equal(await source.read(context), rotated, 'the rotated token is picked up');
  t.ok((await client.getToken({ audience: 'https://kb.test' })).value);

  rmSync(path);
  await t.rejects(source.read(context), { error: 'attestation_unavailable', message: /ENOENT/ });
  writeFileSync(path, 'x'.repeat(17 * 1024));
  await t.rejects(source.read(context), { error: 'attestation_unavailable', message: /larger than/ });
});

t.test('an agent key signs a fresh assertion per request, aud = the issuer', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  const source = agentKeyAttestation({ agentId: 'ticket-summarizer', privateKey: await broker.agentJwk() });
  const context = { issuer: broker.issuer, tokenEndpoint: `${broker.issuer}/oauth/token`, nowMs: broker.clock() };
  const [a, b] = [await source.read(context), await source.read(context)];
  const claims = decodeJwt(a);
  t.equal(claims.aud, broker.issuer, 'aud is the issuer identifier, one string, not the token endpoint');
  t.equal(claims.iss, 'ticket-summarizer');
  t.equal(claims.sub, 'ticket-summarizer');
  t.equal(claims.iat, Math.floor(broker.clock() / 1000));
  t.ok(claims.exp! - claims.iat! <= 60, 'lives at most 60 s');
  t.not(claims.jti, decodeJwt(b).jti, 'a unique jti each time');
  t.match(decodeProtectedHeader(a), { alg: 'ES256', typ: 'JWT', kid: 'ticket-summarizer-k1' });
  t.equal(source.presentAs, 'client_assertion');

  const client = createTokenClient({ issuer: broker.issuer, attestation: source, now: broker.clock });
  const token = await client.getToken({ audience: TICKETS });
  t.equal(decodeJwt(token.value).client_id, 'ticket-summarizer', 'the broker accepts it (client_credentials, private_key_jwt)');
  client.clear();
  t.ok((await client.getToken({ audience: TICKETS })).value, 'and the next one (a new jti, no replay refusal)');

  const short = agentKeyAttestation({ agentId: 'ticket-summarizer', privateKey: broker.agentKeys.get('ticket-summarizer')!.privateKey, alg: 'ES256', lifetimeSeconds: 10 });
  const shortClaims = decodeJwt(await short.read(context));
  t.equal(shortClaims.exp! - shortClaims.iat!, 10, 'a CryptoKey works too, with a shorter life');
  t.throws(() => agentKeyAttestation({ agentId: 'a', privateKey: broker.agentKeys.get('ticket-summarizer')!.privateKey, alg: 'ES256', lifetimeSeconds: 61 }), /at most|from 1 to 60/);
  t.throws(() => agentKeyAttestation({ agentId: 'a', privateKey: { kty: 'oct', k: 'c2VjcmV0' }, alg: 'HS256' }), TypeError, 'no shared secrets');
  t.throws(() => agentKeyAttestation({ agentId: 'a', privateKey: broker.agentKeys.get('ticket-summarizer')!.publicJwk }), TypeError, 'a public key cannot sign');
});

t.test('a function source is called for every token request', async (t) => {
  const broker = await listeningBroker();
  t.teardown(broker.close);
  let calls = 0;
  const client = createTokenClient({
    issuer: broker.issuer,
    attestation: functionAttestation(async ({ issuer, tokenEndpoint }) => {
      calls++;
      t.equal(issuer, broker.issuer);
      t.equal(tokenEndpoint, `${broker.issuer}/oauth/token`, 'the discovered token endpoint');
      return broker.attest();
    }),
    now: broker.clock,
  });
  await client.getToken({ audience: TICKETS });
  await client.getToken({ audience: TICKETS });
  await client.getToken({ audience: 'https://kb.test' });
  t.equal(calls, 2, 'once per request to the broker, not per cached read');
  const failing = createTokenClient({ issuer: broker.issuer, attestation: functionAttestation(() => { throw new Error('runner said no'); }), now: broker.clock });
  await t.rejects(failing.getToken({ audience: TICKETS }), { error: 'attestation_unavailable', message: /runner said no/ });
});
