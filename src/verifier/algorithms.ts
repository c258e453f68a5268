/** RFC 8725 §3.1: explicit lists of asymmetric JOSE algorithms; never none, never a shared secret. */

export const DEFAULT_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'] as const;

/** The list, frozen, when every entry is one of DEFAULT_ALGORITHMS; a TypeError naming the option otherwise. */
export function checkAlgorithms(list: readonly string[], option = 'algorithms'): readonly string[] {
  if (list.length === 0) throw new TypeError(`${option} must not be empty`);
  for (const alg of list) {
    if (!(DEFAULT_ALGORITHMS as readonly string[]).includes(alg)) throw new TypeError(`${option}: algorithm ${alg} is not allowed (asymmetric JOSE algorithms only)`);
  }
  return Object.freeze([...list]);
}
