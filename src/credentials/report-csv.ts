/**
 * The credential audit as CSV: one record per method (and one per agent-wide finding), with its
 * findings. Every record carries activity_since, a sheet having nowhere else to say it: an
 * empty last_used_at or an absent unused finding speaks only for the time since then.
 */
import { formatCsv } from '../tabular/index.js';
import type { CredentialReport, Finding } from './types.js';

const COLUMNS = ['agent', 'owner', 'tier', 'method', 'issuer', 'subject', 'key_thumbprints', 'rotated_at', 'last_used_at', 'severity', 'findings', 'fixes', 'activity_since'];

export function credentialsCsv(report: CredentialReport): string {
  const rows: unknown[][] = [];
  for (const a of report.agents) {
    const general = a.findings.filter((f) => f.method === undefined);
    a.methods.forEach((m, i) => {
      const mine = a.findings.filter((f) => f.method === i);
      rows.push([
        a.agent, a.owner, a.tier, m.kind,
        m.kind === 'issuer' ? m.issuer : null, m.kind === 'issuer' ? m.subject : null,
        m.kind === 'keys' ? m.thumbprints : null, m.kind === 'keys' ? m.rotated_at : null,
        m.last_used_at, worst(mine), mine.map((f) => `${f.code}: ${f.message}`), mine.map((f) => f.fix), report.activity_since,
      ]);
    });
    if (general.length > 0) {
      rows.push([a.agent, a.owner, a.tier, 'agent', null, null, null, null, null, worst(general), general.map((f) => `${f.code}: ${f.message}`), general.map((f) => f.fix), report.activity_since]);
    }
  }
  return formatCsv(COLUMNS, rows);
}

function worst(findings: readonly Finding[]): string | null {
  for (const s of ['high', 'medium', 'low'] as const) if (findings.some((f) => f.severity === s)) return s;
  return null;
}
