/** Every jwks_uri a policy names (attestation issuers and operator sign-on issuers), and a probe that fetches them all. */
import type { JwksFetchOutcome } from '../attestation/index.js';
import type { CompiledPolicy } from '../policy/index.js';

export function policyJwksUris(compiled: CompiledPolicy): string[] {
  return [...new Set(policyJwksSources(compiled).map((s) => s.uri))];
}

interface JwksSource { uri: string; tokenFile?: string }

/** Each jwks_uri with the bearer token file its issuer sends, once per pair. */
function policyJwksSources(compiled: CompiledPolicy): JwksSource[] {
  const sources = new Map<string, JwksSource>();
  for (const issuer of [...compiled.policy.issuers, ...compiled.policy.operatorIssuers]) {
    if (!issuer.jwksUri) continue;
    const tokenFile = 'jwksTokenFile' in issuer ? issuer.jwksTokenFile : undefined;
    sources.set(`${issuer.jwksUri}\n${tokenFile ?? ''}`, { uri: issuer.jwksUri, ...(tokenFile ? { tokenFile } : {}) });
  }
  return [...sources.values()];
}

export interface JwksProber {
  probe(uri: string, tokenFile?: string): Promise<JwksFetchOutcome>;
}

/** Fetch every jwks_uri of the policy, a few at a time (a policy may name many). */
export async function probeJwksUris(compiled: CompiledPolicy, prober: JwksProber, concurrency = 4): Promise<JwksFetchOutcome[]> {
  const sources = policyJwksSources(compiled);
  const results: JwksFetchOutcome[] = new Array(sources.length);
  let next = 0;
  const worker = async () => {
    while (next < sources.length) {
      const i = next++;
      const source = sources[i] as JwksSource;
      results[i] = await prober.probe(source.uri, source.tokenFile);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, sources.length) }, worker));
  return results;
}

/**
 * Probe the policy's jwks_uris now and every `intervalMs`, so an issuer whose keys cannot be
 * fetched shows in /readyz, the metrics and the console before an agent of it is refused.
 */
export function startJwksProbe(options: { policy: { current(): CompiledPolicy }; prober: JwksProber; intervalMs?: number }): { stop(): void } {
  let running = false;
  const run = () => {
    if (running) return;
    running = true;
    probeJwksUris(options.policy.current(), options.prober).finally(() => {
      running = false;
    });
  };
  run();
  const timer = setInterval(run, options.intervalMs ?? 300_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
