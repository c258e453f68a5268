/**
 * What the admin API and introspection need from the signing key ring (src/signing's KeyRing
 * fits it), kept minimal so tests can fake it and these routes depend on no ring internals.
 */
import type { BrokerKeySource } from '../signing/index.js';

export interface AdminKeyRing extends BrokerKeySource {
  /** Rotate now; `compromised`: the current key leaves the JWKS at once and its tokens are dead. */
  rotateNow(options: { compromised?: boolean }): Promise<{ activatedKid: string; retiredKid: string | null; compromisedKid: string | null }>;
  /** The key signing now (throws while the ring has none). */
  currentSigner(): { readonly kid: string };
}
