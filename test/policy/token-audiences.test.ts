/**
 * Which audiences an event about an agent or a person concerns: the agent's intents, and
 * those of every agent that receives such tokens (`serves`) and may exchange them onward, so a
 * delegated token whose chain passes through the agent is covered at its final audience.
 */
import t from 'tap';
import { agentTokenAudiences, delegatedTokenAudiences, type Agent, type CompiledPolicy, type Intent } from '../../src/policy/index.js';

const intent = (audience: string, onBehalfOf?: Intent['onBehalfOf']): Intent => ({ name: audience, audience, scopes: ['x'], ...(onBehalfOf ? { onBehalfOf } : {}) });
const agent = (id: string, intents: Intent[], serves?: string[]): Agent => ({
  id, owner: 'o', tier: 't', createdBy: 'c', reviewedAt: '2026-01-01', reviewedAtMs: 0, status: 'active', attestation: [], intents, ...(serves ? { serves } : {}),
});
const compiled = (...agents: Agent[]) => ({ agentsById: new Map(agents.map((a) => [a.id, a])) }) as unknown as CompiledPolicy;

const policy = compiled(
  agent('assistant', [intent('https://expenses', 'allowed'), intent('https://tickets')]),
  agent('expenses-api', [intent('https://receipts')], ['https://expenses']),
  agent('receipts-api', [intent('https://archive')], ['https://receipts']),
  agent('unrelated', [intent('https://billing')], ['https://billing']),
);

t.test('an agent\'s tokens: its intents and onward through the agents serving them', async (t) => {
  t.same([...agentTokenAudiences(policy, 'assistant')].sort(), ['https://archive', 'https://expenses', 'https://receipts', 'https://tickets']);
  t.same([...agentTokenAudiences(policy, 'unrelated')], ['https://billing']);
  t.same([...agentTokenAudiences(policy, 'gone')], [], 'an agent no longer in the policy holds no tokens it could name');
});

t.test('a person\'s tokens: intents that act for people, and onward', async (t) => {
  t.same([...delegatedTokenAudiences(policy)].sort(), ['https://archive', 'https://expenses', 'https://receipts']);
});
