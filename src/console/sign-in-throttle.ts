/**
 * A bound on failed console sign-ins per client address: after `max` failures within the
 * window, that address is refused until the window ends. Guessing is hopeless against
 * random operator keys anyway; this keeps a flood from filling the audit trail. Bounded:
 * at most `maxAddresses` are remembered (the oldest are forgotten first).
 */
export class SignInThrottle {
  readonly #failures = new Map<string, { count: number; untilMs: number }>();
  constructor(
    private readonly options: { max: number; windowMs: number; maxAddresses: number } = { max: 10, windowMs: 60_000, maxAddresses: 10_000 },
  ) {}

  /** Seconds to wait, or 0 when the address may try. */
  retryAfterS(address: string, nowMs: number): number {
    const f = this.#failures.get(address);
    if (!f || nowMs >= f.untilMs) return 0;
    return f.count >= this.options.max ? Math.ceil((f.untilMs - nowMs) / 1000) : 0;
  }

  failed(address: string, nowMs: number): void {
    let f = this.#failures.get(address);
    if (!f || nowMs >= f.untilMs) {
      this.#failures.delete(address);
      if (this.#failures.size >= this.options.maxAddresses) this.#failures.delete(this.#failures.keys().next().value as string);
      f = { count: 0, untilMs: nowMs + this.options.windowMs };
      this.#failures.set(address, f);
    }
    f.count++;
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }
}
