/**
 * The `agent-sts admin` commands: each calls one admin route and renders its answer. Every
 * flag is checked (validate) before anything is sent to the broker.
 */
import { AGENT_STATES, parseIsoDate } from '../../policy/index.js';
import { formatFields, formatTable, keyValueText } from '../../tabular/index.js';
import { UsageError } from '../cli-error.js';
import type { AdminClient } from './client.js';
import { actionText, checkId, checkReason, path, required, str, type Row, type Values } from './command-helpers.js';

interface Command {
  usage: string;
  summary: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  positionals: number;
  validate?(values: Values, args: string[]): void;
  run(client: AdminClient, values: Values, args: string[]): Promise<{ data: unknown; text: string }>;
}

export const COMMANDS: Record<string, Command> = {
  agents: {
    usage: `agents [--state ${AGENT_STATES.join('|')}] [--orphaned] [--review-overdue] [--review-due-soon] [--refused] [--owner ID] [--tier NAME] [--search TEXT]`,
    summary: 'the live inventory, filtered',
    options: {
      orphaned: { type: 'boolean' }, 'review-overdue': { type: 'boolean' }, 'review-due-soon': { type: 'boolean' }, refused: { type: 'boolean' },
      state: { type: 'string' }, owner: { type: 'string' }, tier: { type: 'string' }, search: { type: 'string' },
    },
    positionals: 0,
    validate(v) {
      if (v.state !== undefined && !(AGENT_STATES as readonly string[]).includes(String(v.state))) throw new UsageError(`--state: one of ${AGENT_STATES.join(', ')}`);
      for (const flag of ['owner', 'tier', 'search'] as const) if (v[flag] !== undefined) checkId(str(v[flag]), `--${flag}`);
    },
    async run(client, v) {
      const data = (await client.get('/admin/agents', {
        orphaned: v.orphaned ? 'true' : undefined,
        review_overdue: v['review-overdue'] ? 'true' : undefined,
        review_due_soon: v['review-due-soon'] ? 'true' : undefined,
        refused: v.refused ? 'true' : undefined,
        state: str(v.state),
        owner: str(v.owner),
        tier: str(v.tier),
        q: str(v.search),
      })) as { agents: Row[] };
      const text = formatTable(
        ['ID', 'OWNER', 'TIER', 'STATE', 'REFUSED', 'ORPHANED', 'REVIEW DUE', 'OVERDUE', 'LAST SEEN', 'ISSUED 24H', 'DENIED 24H'],
        data.agents.map((a) => [a.id, a.owner, a.tier, a.state, a.blocked_by, a.orphaned, String(a.review_due_at).slice(0, 10), a.review_overdue, a.last_seen_at, a.issued_24h, a.denied_24h]),
      );
      return { data, text };
    },
  },
  agent: {
    usage: 'agent ID',
    summary: 'one agent: state, intents, recent denials',
    options: {},
    positionals: 1,
    validate: (_v, [id]) => checkId(id, 'ID'),
    async run(client, _v, [id]) {
      const data = (await client.get(`/admin/agents/${path(id as string)}`)) as { agent: Row; intents: Row[]; recent_denials: Row[] };
      const a = data.agent;
      let text = formatFields([
        ['id', a.id], ['owner', a.owner], ['tier', a.tier], ['state', a.state], ['refused because', a.blocked_by], ['orphaned', a.orphaned],
        ['review due', a.review_due_at], ['review overdue', a.review_overdue], ['credentials', a.credential_kinds],
        ['suspension', a.suspension], ['last seen', a.last_seen_at], ['issued 24h', a.issued_24h], ['denied 24h', a.denied_24h],
      ]);
      text += `\nintents:\n${formatTable(['NAME', 'AUDIENCE', 'SCOPES'], data.intents.map((i) => [i.name, i.audience, i.scopes]))}`;
      text += `\nrecent denials:\n${formatTable(['AT', 'REASON'], data.recent_denials.map((d) => [d.at, d.reason]))}`;
      return { data, text };
    },
  },
  discovered: {
    usage: 'discovered',
    summary: 'shadow agents: valid attestations no agent in the policy claims',
    options: {},
    positionals: 0,
    async run(client) {
      const data = (await client.get('/admin/discovered')) as { discovered: Row[] };
      const text = formatTable(['ISSUER', 'SUBJECT', 'FIRST SEEN', 'LAST SEEN', 'ATTEMPTS'], data.discovered.map((s) => [s.issuer, s.subject, s.first_seen_at, s.last_seen_at, s.attempts]));
      return { data, text };
    },
  },
  suspend: {
    usage: 'suspend ID --reason TEXT',
    summary: 'stop new tokens for an agent on every instance',
    options: { reason: { type: 'string' } },
    positionals: 1,
    validate: (v, [id]) => { checkId(id, 'ID'); checkReason(v.reason, true); },
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/suspend`, { reason: required(v.reason, '--reason') });
      return { data, text: actionText(data) };
    },
  },
  resume: {
    usage: 'resume ID [--reason TEXT]',
    summary: 'lift a suspension',
    options: { reason: { type: 'string' } },
    positionals: 1,
    validate: (v, [id]) => { checkId(id, 'ID'); checkReason(v.reason, false); },
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/resume`, v.reason ? { reason: v.reason } : {});
      return { data, text: actionText(data) };
    },
  },
  revoke: {
    usage: 'revoke ID --reason TEXT',
    summary: 'suspend an agent and revoke every token it holds',
    options: { reason: { type: 'string' } },
    positionals: 1,
    validate: (v, [id]) => { checkId(id, 'ID'); checkReason(v.reason, true); },
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/revoke`, { reason: required(v.reason, '--reason') });
      return { data, text: actionText(data) };
    },
  },
  'revoke-user': {
    usage: 'revoke-user ISSUER SUBJECT --reason TEXT',
    summary: 'revoke every token agents hold on behalf of one person (by their identity provider and subject)',
    options: { reason: { type: 'string' } },
    positionals: 2,
    validate: (v, [issuer, subject]) => { checkId(issuer, 'ISSUER'); checkId(subject, 'SUBJECT'); checkReason(v.reason, true); },
    async run(client, v, [issuer, subject]) {
      const data = await client.post('/admin/people/revoke', { issuer, subject, reason: required(v.reason, '--reason') }) as Row;
      return { data, text: `revoked every token issued on behalf of ${String(data.subject)} (${String(data.issuer)}) before ${String(data.tokens_revoked_before)}${data.audited === false ? ' (NOT in the audit trail: check the broker log)' : ''}\n` };
    },
  },
  'revoke-token': {
    usage: 'revoke-token JTI [--reason TEXT]',
    summary: 'revoke one token by its jti',
    options: { reason: { type: 'string' } },
    positionals: 1,
    validate: (v, [jti]) => { checkId(jti, 'JTI'); checkReason(v.reason, false); },
    async run(client, v, [jti]) {
      const data = await client.post('/admin/tokens/revoke', { jti, ...(v.reason ? { reason: v.reason } : {}) });
      const unknown = (data as Row).known === false
        ? 'NOTE: no token issued in the last hour has this jti (check it for a typo); it is revoked anyway, in case the record was not kept\n'
        : '';
      return { data, text: `${actionText(data)}${unknown}` };
    },
  },
  'rotate-keys': {
    usage: 'rotate-keys [--compromised] [--reason TEXT]',
    summary: 'rotate the signing key now (admin); --compromised pulls the current key at once',
    options: { compromised: { type: 'boolean' }, reason: { type: 'string' } },
    positionals: 0,
    validate: (v) => checkReason(v.reason, false),
    async run(client, v) {
      const data = await client.post('/admin/keys/rotate', { compromised: v.compromised === true, ...(v.reason ? { reason: v.reason } : {}) });
      return { data, text: actionText(data) };
    },
  },
  audit: {
    usage: 'audit [--agent ID] [--since ISO8601|MS] [--limit N]',
    summary: 'the recent audit trail',
    options: { agent: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    validate(v) {
      if (v.agent !== undefined) checkId(str(v.agent), '--agent');
      const since = str(v.since);
      if (since !== undefined && !/^\d{1,15}$/.test(since) && parseIsoDate(since) === null) throw new UsageError('--since: an ISO 8601 date-time with an offset, or epoch milliseconds');
      const limit = str(v.limit);
      if (limit !== undefined && (!/^\d{1,4}$/.test(limit) || Number(limit) < 1 || Number(limit) > 1000)) throw new UsageError('--limit: a whole number from 1 to 1000');
    },
    async run(client, v) {
      const data = (await client.get('/admin/audit', { agent: str(v.agent), since: str(v.since), limit: str(v.limit) })) as { records: Row[] };
      const text = formatTable(['AT', 'EVENT', 'AGENT', 'DETAILS'], data.records.map((r) => [r.at, r.event, r.agent, keyValueText(r.data as Row, ['agent', 'event'])]));
      return { data, text };
    },
  },
};
