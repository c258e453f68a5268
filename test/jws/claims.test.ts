import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import t from 'tap';
import { checkClaims, type AudienceRule, type ClaimRules } from '../../src/jws/index.js';

const NOW_S = 1_800_000_000;
const ISS = 'https://issuer.example';

const claims = (overrides: JWTPayload = {}): JWTPayload => ({ iss: ISS, sub: 'agent', aud: 'agent-sts', iat: NOW_S - 5, exp: NOW_S + 300, ...overrides });

function rules(overrides: Partial<ClaimRules> = {}): ClaimRules {
  return { issuer: ISS, audience: { match: 'contains', value: 'agent-sts' }, required: ['sub'], times: { toleranceMs: 60_000 }, nowMs: NOW_S * 1000, ...overrides };
}

function outcome(payload: JWTPayload, r: ClaimRules = rules()): string {
  const result = checkClaims(payload, r);
  return result.ok ? 'ok' : result.reason;
}

const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwks = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256' }] });

async function joseOutcome(payload: JWTPayload, subject?: string): Promise<string> {
  const jwt = await new SignJWT(payload).setProtectedHeader({ alg: 'ES256' }).sign(privateKey);
  try {
    await jwtVerify(jwt, jwks, {
      issuer: ISS, audience: 'agent-sts', requiredClaims: ['exp', 'iat', 'sub'], currentDate: new Date(NOW_S * 1000), clockTolerance: 60,
      ...(subject !== undefined ? { subject } : {}),
    });
    return 'ok';
  } catch {
    return 'refused';
  }
}

t.test('the same decision as jose on every registered-claim case', async (t) => {
  const cases: Array<[string, JWTPayload, string?]> = [
    ['valid', claims()],
    ['aud array containing ours', claims({ aud: ['x', 'agent-sts'] })],
    ['aud array without ours', claims({ aud: ['x', 'y'] })],
    ['aud missing', claims({ aud: undefined })],
    ['aud of the wrong type', claims({ aud: 7 as unknown as string })],
    ['iss differs', claims({ iss: `${ISS}/` })],
    ['iss missing', claims({ iss: undefined })],
    ['sub missing', claims({ sub: undefined })],
    ['exp missing', claims({ exp: undefined })],
    ['iat missing', claims({ iat: undefined })],
    ['exp just inside the tolerance', claims({ iat: NOW_S - 100, exp: NOW_S - 59 })],
    ['exp at the tolerance edge', claims({ iat: NOW_S - 100, exp: NOW_S - 60 })],
    ['exp long past', claims({ exp: NOW_S - 3600 })],
    ['exp not a number', claims({ exp: '9999999999' as unknown as number })],
    ['nbf inside the tolerance', claims({ nbf: NOW_S + 60 })],
    ['nbf beyond the tolerance', claims({ nbf: NOW_S + 61 })],
    ['nbf not a number', claims({ nbf: 'soon' as unknown as number })],
    ['iat not a number', claims({ iat: 'then' as unknown as number })],
    ['subject rule matches', claims(), 'agent'],
    ['subject rule differs', claims(), 'other'],
  ];
  for (const [name, payload, subject] of cases) {
    const ours = outcome(payload, rules(subject !== undefined ? { subject } : {})) === 'ok' ? 'ok' : 'refused';
    t.equal(ours, await joseOutcome(payload, subject), name);
  }
});

t.test('each failure names its claim, and the time reasons stay distinct', async (t) => {
  t.match(checkClaims(claims({ aud: 'x' }), rules()), { ok: false, reason: 'bad_claims', claim: 'aud' });
  t.match(checkClaims(claims({ iss: 'x' }), rules()), { ok: false, reason: 'bad_claims', claim: 'iss' });
  t.match(checkClaims(claims({ jti: undefined }), rules({ required: ['jti'] })), { ok: false, claim: 'jti' });
  t.equal(outcome(claims({ exp: NOW_S - 61 })), 'expired');
  t.equal(outcome(claims({ nbf: NOW_S + 61 })), 'not_yet_valid');
  t.equal(outcome(claims({ iat: NOW_S + 61, exp: NOW_S + 120 })), 'issued_in_future');
  t.match(checkClaims(claims(), rules()), { ok: true, times: { iat: NOW_S - 5, exp: NOW_S + 300 } });
  t.equal(outcome(claims({ aud: undefined }), rules({ audience: undefined })), 'ok', 'no audience rule: aud is the caller\'s');
});

t.test('audience rules: contains, exclusive, a single string', async (t) => {
  const ours = 'https://sts.example';
  const table: Array<[unknown, Record<AudienceRule['match'], string>]> = [
    [ours, { contains: 'ok', exclusive: 'ok', string: 'ok' }],
    [[ours], { contains: 'ok', exclusive: 'ok', string: 'bad_claims' }],
    [[ours, ours], { contains: 'ok', exclusive: 'ok', string: 'bad_claims' }],
    [[ours, 'https://other.example'], { contains: 'ok', exclusive: 'bad_claims', string: 'bad_claims' }],
    [['https://other.example'], { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    ['https://other.example', { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    [`${ours}/`, { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    [[], { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    [undefined, { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    [null, { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
    [{ aud: ours }, { contains: 'bad_claims', exclusive: 'bad_claims', string: 'bad_claims' }],
  ];
  for (const [aud, want] of table) {
    for (const match of ['contains', 'exclusive', 'string'] as const) {
      t.equal(outcome(claims({ aud: aud as string }), rules({ audience: { match, value: ours } })), want[match], `${match}: ${JSON.stringify(aud)}`);
    }
  }
});
