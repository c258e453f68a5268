/** Every jwks_uri a policy names (attestation issuers and operator sign-on issuers), and a probe that fetches them all. */
import type { JwksFetchOutcome } from '../attestation/index.js';
import type { CompiledPolicy } from '../policy/index.js';

export function policyJwksUris(compiled: CompiledPolicy): string[] {
  const uris = [...compiled.policy.issuers, ...compiled.policy.operatorIssuers].flatMap((i) => (i.jwksUri ? [i.jwksUri] : []));
  return [...new Set(uris)];
}

export interface JwksProber {
  probe(uri: string): Promise<JwksFetchOutcome>;
}

/** Fetch every jwks_uri of the policy, a few at a time (a policy may name many). */
export async function probeJwksUris(compiled: CompiledPolicy, prober: JwksProber, concurrency = 4): Promise<JwksFetchOutcome[]> {
  const uris = policyJwksUris(compiled);
  const results: JwksFetchOutcome[] = new Array(uris.length);
  let next = 0;
  const worker = async () => {
    while (next < uris.length) {
      const i = next++;
      results[i] = await prober.probe(uris[i] as string);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, uris.length) }, worker));
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
