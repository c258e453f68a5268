/**
 * What this API has been told is revoked (by the broker's Shared Signals stream), held in
 * memory and bounded: agents suspended or revoked, single tokens by jti, every token issued
 * for a person, signing keys withdrawn, and a floor under which every token counts as
 * revoked (after a gap in the stream). Each entry says "tokens issued up to this second" and
 * is forgotten once every token it covers has expired. When a table is full, its oldest
 * entry leaves and the floor rises to it: the API refuses more, never less (fail closed).
 * Pure apart from the clock it is given.
 */

export interface RevocationStateOptions {
  now: () => number;
  /** Clock skew allowed between broker instances and this API: an entry covers tokens issued up to this much later. */
  toleranceS: number;
  /** The longest a token of the broker lives (1 h): an entry is kept this long after its instant. */
  maxTokenLifetimeMs: number;
  /** Entries per table. */
  maxEntries: number;
}

/** The claims of a verified access token that revocations are about. */
export interface RevocableToken {
  iat: number;
  jti: string;
  clientId: string;
  sub: string;
  /** Delegated tokens: who the subject's issuer is (a person's identity provider, or the broker for an agent). */
  subjectIssuer?: string;
  /** The agents of its act chain. */
  actors: readonly string[];
  kid: string | undefined;
}

export type RevocationReason = 'revoked_before' | 'token_revoked' | 'agent_revoked' | 'chain_agent_revoked' | 'person_revoked' | 'key_compromised';

/** `beforeS`: tokens issued up to then are covered (every one for a jti or a key); `atS`: when it happened. */
type Table = Map<string, { atS: number; beforeS: number; untilMs: number }>;

export function createRevocationState(options: RevocationStateOptions) {
  const tables = { agents: new Map() as Table, persons: new Map() as Table, tokens: new Map() as Table, keys: new Map() as Table };
  let floorS = Number.NEGATIVE_INFINITY;

  const add = (table: Table, key: string, atS: number, beforeS = atS) => {
    const nowMs = options.now();
    for (const [oldest, entry] of table) {
      if (entry.untilMs > nowMs && table.size < options.maxEntries) break;
      table.delete(oldest);
      // Forgotten early to make room: every token issued up to its instant is refused from now on.
      if (entry.untilMs > nowMs) floorS = Math.max(floorS, entry.atS);
    }
    const previous = table.get(key);
    table.delete(key); // re-inserted last: the tables stay in order of expiry
    table.set(key, {
      atS: Math.max(atS, previous?.atS ?? atS),
      beforeS: Math.max(beforeS, previous?.beforeS ?? beforeS),
      untilMs: Math.max(nowMs, atS * 1000) + options.maxTokenLifetimeMs + options.toleranceS * 1000,
    });
  };
  const covers = (table: Table, key: string | undefined, iat: number) => {
    const entry = key === undefined ? undefined : table.get(key);
    return entry !== undefined && entry.untilMs > options.now() && iat <= entry.beforeS + options.toleranceS;
  };
  const personKey = (issuer: string, subject: string) => `${issuer}\n${subject}`;

  return {
    revokeAgent: (agentId: string, atS: number) => add(tables.agents, agentId, atS),
    revokePerson: (issuer: string, subject: string, atS: number) => add(tables.persons, personKey(issuer, subject), atS),
    /** That token, whenever it was issued. */
    revokeToken: (jti: string, atS: number) => add(tables.tokens, jti, atS, Number.POSITIVE_INFINITY),
    /** Every token the key signed. */
    compromiseKey: (kid: string, atS: number) => add(tables.keys, kid, atS, Number.POSITIVE_INFINITY),
    /** Every token issued up to `atS` (a gap in the stream: what was missed is unknown). */
    revokeAllBefore: (atS: number) => { floorS = Math.max(floorS, atS); },

    /** Why the token is revoked, or null. `brokerIssuer` tells an agent subject from a person's. */
    check(token: RevocableToken, brokerIssuer: string): RevocationReason | null {
      if (token.iat <= floorS + options.toleranceS) return 'revoked_before';
      if (covers(tables.tokens, token.jti, token.iat)) return 'token_revoked';
      if (covers(tables.keys, token.kid, token.iat)) return 'key_compromised';
      if (covers(tables.agents, token.clientId, token.iat)) return 'agent_revoked';
      const chain = token.subjectIssuer === brokerIssuer ? [...token.actors, token.sub] : token.actors;
      if (chain.some((agent) => covers(tables.agents, agent, token.iat))) return 'chain_agent_revoked';
      if (token.subjectIssuer !== undefined && token.subjectIssuer !== brokerIssuer && covers(tables.persons, personKey(token.subjectIssuer, token.sub), token.iat)) return 'person_revoked';
      return null;
    },
    size: () => Object.values(tables).reduce((n, table) => n + table.size, 0),
  };
}

export type RevocationState = ReturnType<typeof createRevocationState>;
