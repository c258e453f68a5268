/** `agent-sts serve`: start the broker (its settings are STS_* environment variables; see the README). */
import type { CliCommand } from './command.js';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Start the broker: token endpoint, JWKS, metadata, introspection, the admin API and console, metrics.',
  usage: '[--dev]',
  help: `  --dev   generate the sample policy's development keys first (never in production)
Settings come from STS_* environment variables (and STS_CONFIG, a YAML file with the same keys):
STS_ISSUER, STS_HOST, STS_PORT, STS_POLICY, REDIS_URL, STS_KEY_ENCRYPTION_KEY, STS_ADMIN_PORT,
STS_METRICS_PORT, STS_AUDIT_LOG, STS_LOG_LEVEL, STS_LOG_FORMAT (json|pretty), STS_ISSUER_CA_FILE, ...
See the README's Configuration table for all of them.`,
  options: { dev: { type: 'boolean' } },
  positionals: { min: 0, max: 0 },
  async run({ values, env }) {
    const { serve } = await import('../server.js');
    await serve(env, { dev: values.dev === true });
    return -1; // keeps running
  },
};
