/**
 * One list of secret field names (src/secret-fields.ts) drives both the app log's redaction and
 * the audit trail's: every name on it is hidden in both, wherever a log line may carry it.
 */
import { Writable } from 'node:stream';
import t from 'tap';
import { redactSecrets } from '../src/audit/index.js';
import { createLogger, serializeRequest } from '../src/logger.js';
import { REDACTED, SECRET_FIELDS } from '../src/secret-fields.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  return { logger: createLogger('info', stream), lines };
}

t.test('every secret field name is redacted in the log: top level, body and headers', async (t) => {
  const { logger, lines } = capture();
  for (const name of SECRET_FIELDS) {
    const secret = `SECRET-${name}`;
    logger.info({ [name]: secret, body: { [name]: secret }, headers: { [name]: secret }, req: { headers: { [name]: secret } }, jti: 'j-1' }, 'line');
  }
  await new Promise((r) => setImmediate(r));
  t.equal(lines.length, SECRET_FIELDS.length);
  for (const line of lines) {
    t.notMatch(JSON.stringify(line), /SECRET-/);
    t.equal(line.jti, 'j-1', 'other fields are kept');
  }
  t.equal(lines[0]?.token, REDACTED);
});

t.test('every secret field name is redacted in audit records, at any depth', async (t) => {
  for (const name of SECRET_FIELDS) {
    const redacted = redactSecrets({ [name]: 'S3CR3T', nested: { list: [{ [name.toUpperCase()]: 'S3CR3T' }] }, agent: 'a1' });
    t.notMatch(JSON.stringify(redacted), /S3CR3T/, name);
    t.match(redacted, { [name]: REDACTED, agent: 'a1' });
  }
});

t.test('requests are logged by path only', async (t) => {
  t.same(serializeRequest({ method: 'POST', url: '/oauth/token?subject_token=eyJ', hostname: 'sts', ip: '10.0.0.1' }), {
    method: 'POST', url: '/oauth/token', host: 'sts', remoteAddress: '10.0.0.1', remotePort: undefined,
  });
});
