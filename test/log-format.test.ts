/** The service log and the audit trail are told apart by `stream`; STS_LOG_FORMAT=pretty renders lines for a terminal. */
import t from 'tap';
import { createAuditTrail } from '../src/audit/index.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';

function sink() {
  const lines: string[] = [];
  return { lines, write: (s: string) => void lines.push(s) };
}

t.test('service lines say stream=service, audit records stream=audit', async (t) => {
  const out = sink();
  const logger = createLogger('info', out);
  logger.info({ agent: 'a' }, 'token issued');
  const audit = createAuditTrail({ destination: { write: (l) => out.write(l), close: () => {} }, clock: () => 0, logger });
  audit.record('token_issued', { agent: 'a', stream: 'forged' });
  const [service, record] = out.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.match(service, { stream: 'service', service: 'agent-sts', msg: 'token issued' });
  t.match(record, { stream: 'audit', event: 'token_issued' }, 'a data field cannot relabel the stream');
});

t.test('pretty: one readable line, redaction still applied', async (t) => {
  const out = sink();
  const logger = createLogger('info', out, 'pretty');
  logger.warn({ jwks_uri: 'https://k8s.test/jwks', cause: 'ECONNREFUSED: connect refused', authorization: 'Bearer secret' }, 'issuer keys cannot be fetched');
  t.equal(out.lines.length, 1);
  t.match(out.lines[0], /^\d{2}:\d{2}:\d{2}\.\d{3} WARN  issuer keys cannot be fetched  jwks_uri=https:\/\/k8s\.test\/jwks cause="ECONNREFUSED: connect refused" authorization=\[Redacted\]\n$/);
  t.notMatch(out.lines[0], /secret/);
  t.notMatch(out.lines[0], /^\{/, 'not JSON');
});

t.test('STS_LOG_FORMAT is checked at start', async (t) => {
  t.equal(loadConfig({}).logFormat, 'json');
  t.equal(loadConfig({ STS_LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  t.throws(() => loadConfig({ STS_LOG_FORMAT: 'fancy' }), /STS_LOG_FORMAT: expected one of json, pretty, got fancy/);
});
