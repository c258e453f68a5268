/**
 * The poll side of the revocation feed (RFC 8936): one long poll after another, each
 * acknowledging the SETs taken in since the last and reporting those refused (`setErrs`), so a
 * SET is acknowledged only once it was applied. A SET whose key could not be confirmed yet is
 * neither: it comes back on a later poll. Failures back off; a stream that is gone (404) is
 * subscribed to again; an empty answer from a stream that is not enabled is no contact.
 * Closing ends the poll under way; the stream is then deleted.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { FeedLogger } from './revocation-types.js';
import type { IntakeResult } from './set-intake.js';
import { pollStream, type StreamCalls, type StreamHandle } from './ssf-transmitter.js';

const MAX_EVENTS = 100;
const MAX_ANSWER_BYTES = 1024 * 1024;
/** Longer than any wait the broker holds a poll for. */
const POLL_TIMEOUT_MS = 35_000;

export interface PollLoopDeps {
  calls: StreamCalls;
  retry: { baseMs: number; maxMs: number };
  closing: AbortSignal;
  intake(set: string, jti: string): Promise<IntakeResult>;
  current(): StreamHandle;
  resubscribe(): Promise<StreamHandle>;
  /** Whether the stream is enabled (SSF §8.1.2), making it so when it is not. */
  confirmEnabled(): Promise<boolean>;
  onContact(): void;
  logger: FeedLogger | undefined;
}

export async function runPollLoop(deps: PollLoopDeps): Promise<void> {
  let ack: string[] = [];
  let setErrs: Record<string, { err: string; description: string }> = {};
  let failures = 0;
  while (!deps.closing.aborted) {
    const stream = deps.current();
    try {
      const body = { ack, ...(Object.keys(setErrs).length > 0 ? { setErrs } : {}), returnImmediately: false, maxEvents: MAX_EVENTS };
      const answer = await pollStream(deps.calls, stream.pollUrl as string, body, AbortSignal.any([AbortSignal.timeout(POLL_TIMEOUT_MS), deps.closing]), MAX_ANSWER_BYTES);
      if (answer.status === 404) {
        await deps.resubscribe();
        ack = [];
        setErrs = {};
        continue;
      }
      if (answer.status !== 200) throw new Error(`the poll answered ${answer.status}`);
      ack = [];
      setErrs = {};
      let retrying = 0;
      for (const [jti, set] of Object.entries(answer.sets)) {
        const result = typeof set === 'string' ? await deps.intake(set, jti) : { result: 'error' as const, err: 'invalid_request', description: 'not a SET' };
        if (result.result === 'ack') ack.push(jti);
        else if (result.result === 'error') setErrs[jti] = { err: result.err, description: result.description };
        else retrying++;
      }
      // SETs come only from an enabled stream; an empty answer may come from a paused or
      // disabled one, and counts as contact only once the stream's status says enabled.
      if (Object.keys(answer.sets).length > 0 || await deps.confirmEnabled()) deps.onContact();
      failures = retrying > 0 && ack.length === 0 ? failures + 1 : 0;
    } catch (error) {
      if (deps.closing.aborted) break;
      failures++;
      if (failures === 1 || (failures & (failures - 1)) === 0) deps.logger?.warn?.({ err: (error as Error).message, failures }, 'agent-sts: revocation poll failed; retrying');
    }
    if (failures > 0) await delay(Math.min(deps.retry.maxMs, deps.retry.baseMs * 2 ** Math.min(failures - 1, 16)), undefined, { signal: deps.closing }).catch(() => undefined);
  }
}
