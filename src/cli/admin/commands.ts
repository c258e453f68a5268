/** The `agent-sts admin` commands: each calls one admin route and renders its answer. */
import type { AdminClient } from './client.js';
import { formatFields, formatTable } from './table.js';

type Values = Record<string, string | boolean | undefined>;
type Row = Record<string, unknown>;

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  positionals: number;
  run(client: AdminClient, values: Values, args: string[]): Promise<{ data: unknown; text: string }>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const path = (id: string): string => encodeURIComponent(id);

function actionText(data: unknown): string {
  const r = data as Row;
  const lines = formatFields(Object.entries(r).map(([k, v]) => [k, v] as const));
  return r.audited === false ? `${lines}WARNING: applied, but the audit trail could not be written\n` : lines;
}

export const COMMANDS: Record<string, Command> = {
  agents: {
    usage: 'agents [--orphaned] [--review-overdue] [--state pending|active|suspended|retired]',
    options: { orphaned: { type: 'boolean' }, 'review-overdue': { type: 'boolean' }, state: { type: 'string' } },
    positionals: 0,
    async run(client, v) {
      const data = (await client.get('/admin/agents', {
        orphaned: v.orphaned ? 'true' : undefined,
        review_overdue: v['review-overdue'] ? 'true' : undefined,
        state: str(v.state),
      })) as { agents: Row[] };
      const text = formatTable(
        ['ID', 'OWNER', 'TIER', 'STATE', 'ORPHANED', 'REVIEW DUE', 'OVERDUE', 'LAST SEEN', 'ISSUED 24H', 'DENIED 24H'],
        data.agents.map((a) => [a.id, a.owner, a.tier, a.state, a.orphaned, String(a.review_due_at).slice(0, 10), a.review_overdue, a.last_seen_at, a.issued_24h, a.denied_24h]),
      );
      return { data, text };
    },
  },
  agent: {
    usage: 'agent ID',
    options: {},
    positionals: 1,
    async run(client, _v, [id]) {
      const data = (await client.get(`/admin/agents/${path(id as string)}`)) as { agent: Row; intents: Row[]; recent_denials: Row[] };
      const a = data.agent;
      let text = formatFields([
        ['id', a.id], ['owner', a.owner], ['tier', a.tier], ['state', a.state], ['orphaned', a.orphaned],
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
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/suspend`, { reason: required(v.reason, '--reason') });
      return { data, text: actionText(data) };
    },
  },
  resume: {
    usage: 'resume ID [--reason TEXT]',
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/resume`, v.reason ? { reason: v.reason } : {});
      return { data, text: actionText(data) };
    },
  },
  revoke: {
    usage: 'revoke ID --reason TEXT',
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(client, v, [id]) {
      const data = await client.post(`/admin/agents/${path(id as string)}/revoke`, { reason: required(v.reason, '--reason') });
      return { data, text: actionText(data) };
    },
  },
  'revoke-token': {
    usage: 'revoke-token JTI [--reason TEXT]',
    options: { reason: { type: 'string' } },
    positionals: 1,
    async run(client, v, [jti]) {
      const data = await client.post('/admin/tokens/revoke', { jti, ...(v.reason ? { reason: v.reason } : {}) });
      return { data, text: actionText(data) };
    },
  },
  'rotate-keys': {
    usage: 'rotate-keys [--compromised] [--reason TEXT]',
    options: { compromised: { type: 'boolean' }, reason: { type: 'string' } },
    positionals: 0,
    async run(client, v) {
      const data = await client.post('/admin/keys/rotate', { compromised: v.compromised === true, ...(v.reason ? { reason: v.reason } : {}) });
      return { data, text: actionText(data) };
    },
  },
  audit: {
    usage: 'audit [--agent ID] [--since ISO8601|MS] [--limit N]',
    options: { agent: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' } },
    positionals: 0,
    async run(client, v) {
      const data = (await client.get('/admin/audit', { agent: str(v.agent), since: str(v.since), limit: str(v.limit) })) as { records: Row[] };
      const text = formatTable(['AT', 'EVENT', 'AGENT', 'DETAILS'], data.records.map((r) => [r.at, r.event, r.agent, details(r.data as Row)]));
      return { data, text };
    },
  },
};

function details(data: Row): string {
  const skip = new Set(['agent', 'event']);
  return Object.entries(data).filter(([k, v]) => !skip.has(k) && v !== null && v !== undefined).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ');
}

export class UsageError extends Error {}

function required(value: unknown, flag: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`${flag} is required`);
  return value;
}
