/**
 * The sample policy's development credentials are public: its operator key is the string
 * "dev-admin-key" (printed in the README and in config/policy.yaml), and its development
 * issuers accept tokens signed with key pairs `agent-sts dev init` generates on any machine.
 * On a developer's machine they make the walk-through work; on a broker others can reach they
 * hand out admin rights and agent identities to anyone who read the sample (OWASP Top 10 2021
 * A07: "permits default, weak, or well-known passwords"), so there they are errors and the
 * broker refuses to start or reload with them.
 */
import type { Operator, TrustedIssuer, UserIssuer } from './types.js';
import type { ValidateContext } from './validate-common.js';

/** SHA-256 of "dev-admin-key", the sample's operator key. */
export const SAMPLE_OPERATOR_KEY_SHA256 = 'df76ff796f70d2c9cb055ea6280553caa27eda26b70e01082c160de75a05a4a9';
/** The sample's development attestation issuer and people's identity provider. */
export const SAMPLE_ISSUERS: ReadonlySet<string> = new Set(['http://localhost:8080/dev-issuer', 'http://localhost:8080/dev-people']);

const WHERE_REFUSED = 'the broker refuses it when its issuer is https or not loopback, or NODE_ENV=production';

interface Trusted {
  operators: readonly Operator[];
  issuers: readonly TrustedIssuer[];
  userIssuers: readonly UserIssuer[];
}

export function checkDevelopmentCredentials(ctx: ValidateContext, trusted: Trusted): void {
  const report = (path: string, what: string, fix: string) => (ctx.options.production
    ? ctx.problems.error(path, `${what}: refused outside a developer's machine (${WHERE_REFUSED}); ${fix}`)
    : ctx.problems.warning(path, `${what}: for a developer's machine only (${WHERE_REFUSED}); ${fix}`));
  for (const operator of trusted.operators) {
    if (operator.keySha256 !== SAMPLE_OPERATOR_KEY_SHA256) continue;
    report(`operators[${operator.id}].key_sha256`, 'is the sample\'s well-known development key ("dev-admin-key"), which anyone can present',
      'give each operator a random key (openssl rand -base64 32) and store its SHA-256');
  }
  const issuers = [
    ...trusted.issuers.map((i) => ({ path: `issuers[${i.issuer}]`, issuer: i.issuer })),
    ...trusted.userIssuers.map((i) => ({ path: `user_issuers[${i.issuer}]`, issuer: i.issuer })),
  ];
  for (const { path, issuer } of issuers) {
    if (!SAMPLE_ISSUERS.has(issuer)) continue;
    report(`${path}.issuer`, "is the sample's development issuer, whose signing keys `agent-sts dev init` creates on any machine",
      'declare your real issuer instead');
  }
}
