import { StoreUnavailableError } from '../../errors.js';

export type BoundedCall = <T>(what: string, fn: () => Promise<T>) => Promise<T>;

/**
 * Every store call is bounded twice: ioredis's command timeout, and this hard deadline that
 * also covers Cluster redirections and retries. Any failure becomes StoreUnavailableError so
 * callers fail closed (503), never hang and never mistake an error for an answer.
 */
export function boundedCall(deadlineMs: number): BoundedCall {
  return async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${deadlineMs} ms`)), deadlineMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (err) {
      throw new StoreUnavailableError(`redis store: ${what} failed`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  };
}
