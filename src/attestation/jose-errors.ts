/** The error a key source throws when it cannot answer now (the caller may retry later). */

/** Thrown by a key resolver when a jwks_uri could not be fetched. */
export class KeysUnavailableError extends Error {
  readonly code = 'ERR_KEYS_UNAVAILABLE';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysUnavailableError';
  }
}
