/** The credential audit as CSV: one record per method (and one per agent-wide finding), with its findings. */
import { formatCsv } from '../tabular/index.js';
import type { CredentialReport, Finding } from './types.js';

const COLUMNS = ['agent', 'owner', 'tier', 'method', 'issuer', 'subject', 'key_thumbprints', 'rotated_at', 'last_used_at', 'severity', 'findings', 'fixes'];

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
        m.last_used_at, worst(mine), mine.map((f) => `${f.code}: ${f.message}`), mine.map((f) => f.fix),
      ]);
    });
    if (general.length > 0) {
      rows.push([a.agent, a.owner, a.tier, 'agent', null, null, null, null, null, worst(general), general.map((f) => `${f.code}: ${f.message}`), general.map((f) => f.fix)]);
    }
  }
  return formatCsv(COLUMNS, rows);
}

function worst(findings: readonly Finding[]): string | null {
  for (const s of ['high', 'medium', 'low'] as const) if (findings.some((f) => f.severity === s)) return s;
  return null;
}
