/** `introspects`: which audiences a resource server may learn about (RFC 7662 §4). */
import t from 'tap';
import { mayIntrospect } from '../../src/policy/index.js';
import type { Agent } from '../../src/policy/index.js';
import { basePolicy, patch, rawAgent, validate } from './build.js';

const rs = (extra: Record<string, unknown> = {}) =>
  rawAgent('tickets-rs', { intents: [{ name: 'introspect', audience: 'https://sts.example', scopes: ['sts:introspect'] }], ...extra });
const withAgent = (agent: Record<string, unknown>) => {
  const doc = patch(basePolicy(), { 'tiers.read-only.scopes': ['*:read', 'sts:introspect'] });
  (doc.agents as unknown[]).push(agent);
  return doc;
};
const find = (problems: Array<{ path: string; severity: string; message: string }>, path: string) => problems.find((p) => p.path === path);

t.test('a resource server without introspects is warned about; with it, loads cleanly', async (t) => {
  const missing = validate(withAgent(rs()));
  t.ok(missing.policy);
  t.match(find(missing.problems, 'agents[tickets-rs].introspects'), { severity: 'warning', message: /every audience/ });
  const listed = validate(withAgent(rs({ introspects: ['https://tickets.example', 'https://tickets.example'] })));
  t.notOk(find(listed.problems, 'agents[tickets-rs].introspects'));
  t.same(listed.policy?.agents.find((a) => a.id === 'tickets-rs')?.introspects, ['https://tickets.example'], 'repeats dropped');
});

t.test('introspects: exact audiences only, and only meaningful with sts:introspect', async (t) => {
  const wildcard = validate(withAgent(rs({ introspects: ['https://*.example'] })));
  t.equal(wildcard.policy, null);
  t.match(find(wildcard.problems, 'agents[tickets-rs].introspects[0]'), { severity: 'error', message: /wildcards/ });
  const useless = validate(withAgent(rawAgent('plain', { introspects: ['https://tickets.example'] })));
  t.match(find(useless.problems, 'agents[plain].introspects'), { severity: 'warning', message: /no effect/ });
});

t.test('mayIntrospect: listed audiences only; no list means all; an unknown caller sees nothing', async (t) => {
  const caller = (introspects?: string[]) => ({ id: 'rs', ...(introspects ? { introspects } : {}) }) as Agent;
  t.equal(mayIntrospect(caller(['https://a']), 'https://a'), true);
  t.equal(mayIntrospect(caller(['https://a']), 'https://b'), false);
  t.equal(mayIntrospect(caller(['https://a']), 'https://A'), false, 'exact match');
  t.equal(mayIntrospect(caller(), 'https://b'), true);
  t.equal(mayIntrospect(undefined, 'https://a'), false);
});
