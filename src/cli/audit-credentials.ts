/**
 * `agent-sts audit credentials`: how every agent authenticates and what is wrong with it:
 * from the running broker (GET /admin/credentials: with usage and issuer key health) or,
 * with --policy, offline (static findings; --online also fetches every jwks_uri).
 */
import { createIssuerKeyResolver } from '../attestation/index.js';
import { loadConfig } from '../config.js';
import { auditCredentials, createCaFetch, credentialsCsv, probeJwksUris, type CredentialReport } from '../credentials/index.js';
import { formatProblems, loadPolicyFile } from '../policy/index.js';
import { formatTable } from '../tabular/index.js';
import { CliFailure, UsageError } from './cli-error.js';
import { stringFlag, type CliCommand } from './command.js';
import { callBroker, liveBroker } from './live-broker.js';

const FORMATS = ['table', 'json', 'csv'];

export const auditCredentialsCommand: CliCommand = {
  name: 'audit credentials',
  summary: 'How every agent authenticates (platform issuer and subject, or its own keys) and the findings, each with a fix.',
  usage: '[--policy FILE [--online]] [--unused-days N] [--format table|json|csv] [--json]',
  help: `  --policy FILE     audit a policy file offline (static findings only); without it, ask the
                    running broker (STS_URL, STS_ADMIN_KEY with at least the auditor role)
  --online          with --policy: also fetch every jwks_uri (STS_ISSUER_CA_FILE applies)
  --unused-days N   flag methods unused this many days (default 30; needs the running broker)
  --format F        table (default), json or csv`,
  options: { policy: { type: 'string' }, online: { type: 'boolean' }, 'unused-days': { type: 'string' }, format: { type: 'string' } },
  positionals: { min: 0, max: 0 },
  validate(values) {
    const days = stringFlag(values, 'unused-days');
    if (days !== undefined && (!/^\d{1,4}$/.test(days) || Number(days) < 1)) throw new UsageError('--unused-days: a whole number of days from 1 to 9999');
    const format = stringFlag(values, 'format');
    if (format !== undefined && !FORMATS.includes(format)) throw new UsageError(`--format: one of ${FORMATS.join(', ')}`);
    if (values.online && !values.policy) throw new UsageError('--online goes with --policy (the running broker watches its issuers itself)');
  },
  async run({ values, env, io, json, nowMs }) {
    const days = stringFlag(values, 'unused-days');
    const format = json ? 'json' : (stringFlag(values, 'format') ?? 'table');
    let report: CredentialReport;
    const file = stringFlag(values, 'policy');
    if (file) {
      const { compiled, problems } = await loadPolicyFile(file, { nowMs, stsIssuer: env.STS_ISSUER ?? 'http://localhost:8080' });
      if (!compiled) throw new CliFailure('policy_invalid', `the policy has errors:\n${formatProblems(problems)}`);
      let reachability;
      if (values.online) {
        const ca = loadConfig({ STS_ISSUER_CA_FILE: env.STS_ISSUER_CA_FILE }).issuerCaBundle;
        const outcomes = await probeJwksUris(compiled, createIssuerKeyResolver(ca ? { fetch: createCaFetch(ca) } : {}));
        reachability = new Map(outcomes.map((o) => [o.uri, { ok: o.ok, ...(o.cause ? { cause: o.cause } : {}) }]));
      }
      report = auditCredentials(compiled, { nowMs, ...(days ? { unusedDays: Number(days) } : {}), ...(reachability ? { reachability } : {}) });
    } else {
      const client = liveBroker(env, 'give --policy FILE');
      report = await callBroker<CredentialReport>(() => client.get('/admin/credentials', { format: 'json', unused_days: days }));
    }
    if (format === 'json') io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    else if (format === 'csv') io.stdout.write(credentialsCsv(report));
    else io.stdout.write(reportText(report));
    return 0;
  },
};

function reportText(report: CredentialReport): string {
  const methods = formatTable(
    ['AGENT', 'OWNER', 'METHOD', 'DETAIL', 'LAST USED'],
    report.agents.flatMap((a) => a.methods.map((m) => [a.agent, a.owner, m.kind,
      m.kind === 'issuer' ? `${m.issuer} ${m.subject}` : `keys ${m.kids.join(',') || m.thumbprints.join(',')}${m.rotated_at ? ` rotated ${m.rotated_at}` : ''}`,
      m.last_used_at])),
  );
  const findings = formatTable(
    ['SEVERITY', 'AGENT', 'FINDING', 'FIX'],
    report.agents.flatMap((a) => a.findings.map((f) => [f.severity, a.agent, f.message, f.fix])),
  );
  const { high, medium, low } = report.summary;
  const scope = report.live ? `live, unused = ${report.unused_days} days` : 'offline: method usage not known';
  // A broker older than the note sends none.
  const note = report.note ? `${report.note}\n` : '';
  return `${methods}\n${findings}\n${high} high, ${medium} medium, ${low} low (${scope})\n${note}`;
}
