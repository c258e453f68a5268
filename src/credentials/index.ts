/** How agents authenticate: the credential audit, issuer key health, and fetching issuers' keys behind a private CA. */
export type { AgentCredentials, CredentialMethod, CredentialReport, CredentialUsage, Finding, FindingCode, JwksReachability, Severity } from './types.js';
export { auditCredentials, type AuditOptions } from './audit.js';
export { collectCredentialUsage, usageFromRecords } from './usage.js';
export { credentialsCsv } from './report-csv.js';
export { createIssuerKeyHealth, type IssuerKeyHealth, type JwksHealth } from './issuer-key-health.js';
export { policyJwksUris, probeJwksUris, startJwksProbe, type JwksProber } from './jwks-uris.js';
export { createCaFetch, MAX_JWKS_BYTES } from './ca-fetch.js';
