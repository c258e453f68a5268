/**
 * The audit trail of the token endpoint (issue 2 "Minting", issue 4 "no unrecorded
 * tokens"): each issued token leaves a token_issued record (agent, intent, jti, expiry),
 * each denial a token_denied record with its reason; no token or assertion text ever
 * reaches the audit trail or the log; and while the trail cannot be written nothing is minted.
 */
import t, { type Test } from 'tap';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { agentDoc, basePolicy, buildTestBroker, type TestBroker } from '../helpers/broker.js';

/**
 * The helper's logger is silent; point it at an array instead. Request loggers are children
 * created per request, so they inherit the stream and the level set here.
 */
function captureLogs(broker: TestBroker): string[] {
  const lines: string[] = [];
  const log = broker.app.log as unknown as Record<symbol, unknown> & { level: string };
  log[pino.symbols.streamSym] = { write: (line: string) => void lines.push(line) };
  log.level = 'trace';
  return lines;
}

/** The secret-bearing parts of a compact JWT: the whole text and its signature. */
const secretsOf = (jwt: string): string[] => [jwt, jwt.split('.')[2] ?? jwt];

t.test('issued and denied requests leave audit records, never token text', async (t) => {
  const doc = basePolicy();
  const pending = agentDoc('pending-agent');
  delete pending.approved_by;
  doc.agents = [agentDoc('ticket-summarizer'), pending];
  const broker = await buildTestBroker({ policy: doc });
  t.teardown(broker.close);
  const logs = captureLogs(broker);
  const secrets: string[] = [];

  const attestation = await broker.attest();
  const res = await broker.exchange(attestation, { intent: 'summarize-tickets' });
  t.equal(res.statusCode, 200);
  const accessToken = res.json().access_token as string;
  const claims = decodeJwt(accessToken);
  secrets.push(...secretsOf(attestation), ...secretsOf(accessToken));

  const issued = broker.auditLines.filter((l) => l.event === 'token_issued');
  t.equal(issued.length, 1);
  t.match(issued[0], {
    event: 'token_issued',
    agent: 'ticket-summarizer',
    intent: 'summarize-tickets',
    jti: claims.jti,
    expires_at: new Date((claims.exp ?? 0) * 1000).toISOString(),
    grant: 'token_exchange',
    attestation_sha256: /^[0-9a-f]{64}$/,
  });
  t.ok(logs.some((l) => /"msg":"token issued"/.test(l) && l.includes('"agent":"ticket-summarizer"') && l.includes('"decision":"issued"')), 'issuance logged');

  // Client credentials too.
  const assertion = await broker.assertion();
  const cc = await broker.clientCredentials(assertion);
  t.equal(cc.statusCode, 200);
  secrets.push(...secretsOf(assertion), ...secretsOf(cc.json().access_token as string));
  t.match(broker.auditLines.at(-1), { event: 'token_issued', grant: 'client_credentials', jti: decodeJwt(cc.json().access_token as string).jti });

  // Denials, including ones that carry a (bad or replayed) token.
  type Send = () => Promise<Awaited<ReturnType<TestBroker['token']>>>;
  const denials: Array<[Send, Record<string, unknown>]> = [
    [async () => broker.exchange(await broker.attest(), { scope: 'tickets:write' }), { reason: 'scope', agent: 'ticket-summarizer' }],
    [async () => broker.exchange(await broker.attest('system:serviceaccount:agents:pending-agent')), { reason: 'pending', agent: 'pending-agent' }],
    [async () => broker.exchange(accessToken), { reason: 'delegation' }],
    [async () => broker.exchange(accessToken.slice(0, -4)), { reason: 'delegation' }],
    [async () => broker.exchange(await broker.attest('system:serviceaccount:agents:nobody')), { reason: 'no_agent' }],
    [async () => broker.exchange('x.y.z'), { reason: 'attestation_invalid' }],
    [async () => broker.clientCredentials(assertion), { reason: 'replayed', grant: 'client_credentials' }],
    [async () => broker.exchange(attestation, { audience: 'https://payroll.test' }), { reason: 'audience' }],
    [async () => broker.exchange(attestation, { intent: 'nope' }), { reason: 'intent' }],
  ];
  for (const [send, want] of denials) {
    const before = broker.auditLines.length;
    const denied = await send();
    t.not(denied.statusCode, 200);
    const line = broker.auditLines.slice(before).find((l) => l.event === 'token_denied');
    t.match(line, { event: 'token_denied', ...want }, JSON.stringify(want));
    t.equal(line?.status, denied.statusCode, 'the audited status is the answer sent');
    t.ok(logs.some((l) => l.includes('"decision":"denied"') && l.includes(`"reason":"${want.reason as string}"`)), `denial logged: ${want.reason as string}`);
  }

  await new Promise((resolve) => setImmediate(resolve));
  const stored = JSON.stringify(await broker.store.readAudit({ limit: 1000 }));
  const everything = [...broker.auditLines.map((l) => JSON.stringify(l)), ...logs, stored];
  t.ok(logs.length > 10, 'logs were captured');
  for (const secret of secrets) {
    t.notOk(everything.some((line) => line.includes(secret)), `no token text in audit or logs (${secret.slice(0, 12)}...)`);
  }
});

t.test('while the audit sink cannot be written, nothing is minted', async (t) => {
  let failing = true;
  const lines: string[] = [];
  const broker = await buildTestBroker({
    auditSink: {
      write: (line) => {
        if (failing) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
        lines.push(line);
      },
      close: () => {},
    },
  });
  t.teardown(broker.close);
  for (const res of [await broker.exchange(await broker.attest()), await broker.exchange(await broker.attest()), await broker.clientCredentials(await broker.assertion())]) {
    t.equal(res.statusCode, 503);
    t.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    t.equal(body.error, 'temporarily_unavailable');
    t.notOk(body.access_token, 'no access token');
    t.notOk(res.body.includes('ey'), 'no JWT anywhere in the body');
  }
  failing = false;
  const res = await broker.exchange(await broker.attest());
  t.equal(res.statusCode, 200, 'minting resumes once the sink is writable');
  t.ok(lines.some((l) => l.includes('"event":"token_issued"')));
});

t.test('a malformed request of a supported grant is counted and audited under that grant', async (t) => {
  const broker = await buildTestBroker();
  t.teardown(broker.close);
  const exchangeGrant = 'urn:ietf:params:oauth:grant-type:token-exchange';
  const cases: Array<[Record<string, string | string[]>, string]> = [
    [{ grant_type: exchangeGrant, audience: 'https://tickets.test' }, 'token_exchange'],
    [{ grant_type: 'client_credentials', audience: ['https://a.test', 'https://b.test'] }, 'client_credentials'],
    [{ grant_type: [exchangeGrant, exchangeGrant] }, 'unsupported'],
    [{ grant_type: 'password' }, 'unsupported'],
    [{ grant_type: 'Client_Credentials' }, 'unsupported'],
  ];
  for (const [form, grant] of cases) {
    const res = await broker.token(form);
    t.ok(res.statusCode === 400 || res.statusCode === 401, res.body);
    t.match(broker.auditLines.at(-1), { event: 'token_denied', grant }, `${JSON.stringify(form)} is audited as ${grant}`);
  }
  const metric = broker.registry.getSingleMetric('sts_token_requests_total');
  const { values } = await (metric as NonNullable<typeof metric>).get();
  const denied = (grant: string) => values.filter((v) => v.labels.grant === grant && v.labels.result === 'denied').reduce((n, v) => n + v.value, 0);
  t.equal(denied('token_exchange'), 1);
  t.equal(denied('client_credentials'), 1);
  t.equal(denied('unsupported'), 3);
});
