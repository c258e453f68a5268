/**
 * The API's subscription to the broker's revocations (OpenID Shared Signals): it creates its
 * own stream with its own token (scope ssf:stream), then takes SETs in by poll (RFC 8936, long
 * polls, by default) or by push (RFC 8935, the fastify plugin's route), and keeps the deny
 * state that verify() consults. Failures back off and retry; a stream that vanished is
 * created again, and since events may have been missed meanwhile, every token issued until
 * then is refused (clients simply renew).
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { checkPushAuthorization } from './push-authorization.js';
import { createRevocationState, type RevocationState } from './revocation-state.js';
import { createSetIntake, type IntakeResult } from './set-intake.js';
import {
  createStream, deleteStream, discoverTransmitter, enableStream, readStreamStatus, requestVerification,
  type StreamCalls, type StreamHandle, type TransmitterEndpoints,
} from './ssf-transmitter.js';
import type { RevocationFeedDeps, RevocationOptions } from './revocation-types.js';
import { runPollLoop } from './revocation-poller.js';

export interface RevocationFeed {
  /** Starts subscribing (idempotent); resolves once the stream exists. */
  start(): Promise<void>;
  /** Push delivery: one SET as POSTed by the broker, and the answer to give (RFC 8935 §2.2-2.3; a 401 with its challenge). */
  receive(set: string, authorization: string | undefined): Promise<PushAnswer>;
  readonly state: RevocationState;
  /** Push delivery: the URL the broker posts to (the API serves it). */
  readonly pushEndpoint: string | undefined;
  /** When the stream was last heard from (ms); before the first contact, when the feed was made. */
  lastContactMs(): number;
  streamId(): string | undefined;
  /** Stops, acknowledges what was taken in and deletes the stream. */
  close(): Promise<void>;
}

export interface PushAnswer {
  status: number;
  body?: { err: string; description: string };
  headers?: Readonly<Record<string, string>>;
}

export function createRevocationFeed(options: RevocationOptions, deps: RevocationFeedDeps): RevocationFeed {
  const maxTokenLifetimeMs = options.maxTokenLifetimeMs ?? 3_600_000;
  const state = createRevocationState({ now: deps.now, toleranceS: deps.toleranceS, maxTokenLifetimeMs, maxEntries: options.maxEntries ?? 100_000 });
  const intake = createSetIntake({
    ...deps, state, maxTokenLifetimeMs,
    getKey: (header, token) => deps.keys().then((k) => k.getKey(header, token)),
    refreshKeys: () => deps.keys().then((k) => k.refresh()),
  });
  const calls: StreamCalls = { client: options.client, issuer: deps.issuer, intent: options.intent, timeoutMs: deps.timeoutMs };
  const pushSecret = randomBytes(32).toString('base64url');
  const closing = new AbortController();
  const retry = { baseMs: options.retry?.baseMs ?? 500, maxMs: options.retry?.maxMs ?? 30_000 };
  let endpoints: TransmitterEndpoints | undefined;
  let stream: StreamHandle | undefined;
  // Until the stream is first heard from, the grace of failClosedAfterMs runs from now.
  let lastContact = deps.now();
  let connected: Promise<void> | undefined;
  let running: Promise<void> | undefined;

  const connect = async (): Promise<StreamHandle> => {
    for (let attempt = 1; ; attempt++) {
      try {
        endpoints ??= await discoverTransmitter(deps.issuer, { fetch: deps.fetch, timeoutMs: deps.timeoutMs });
        const delivery = options.push
          ? { method: 'urn:ietf:rfc:8935' as const, endpoint_url: options.push.endpointUrl, authorization_header: `Bearer ${pushSecret}` }
          : { method: 'urn:ietf:rfc:8936' as const };
        return await createStream(calls, endpoints, delivery, options.description ?? 'agent-sts verifier: revocations');
      } catch (error) {
        if (closing.signal.aborted) throw error;
        deps.logger?.warn?.({ err: (error as Error).message, attempt }, 'agent-sts: could not subscribe to revocations; retrying');
        await delay(Math.min(retry.maxMs, retry.baseMs * 2 ** Math.min(attempt - 1, 16)), undefined, { signal: closing.signal });
      }
    }
  };

  /** A stream that vanished may have had events nobody read: refuse everything issued until now, subscribe again. */
  const resubscribe = async (): Promise<StreamHandle> => {
    state.revokeAllBefore(Math.floor(deps.now() / 1000));
    stream = undefined;
    stream = await connect();
    lastContact = deps.now();
    return stream;
  };

  /**
   * SSF §8.1.2: only an enabled stream delivers. A paused one holds its events and a disabled
   * one drops them, and both answer polls with nothing, which must not pass for "nothing was
   * revoked": the stream counts as heard from only while its status reads enabled. This API
   * wants its revocations, so it enables the stream again; after a disabled spell (its events
   * lost) every token issued until then is refused, as for a stream that vanished.
   */
  const confirmEnabled = async (): Promise<boolean> => {
    const current = stream;
    if (!current || !endpoints) return false;
    const status = await readStreamStatus(calls, endpoints, current.id);
    if (status === 'enabled') return true;
    if (status === 'gone') {
      await resubscribe();
      return false;
    }
    deps.logger?.warn?.({ stream: current.id, status }, 'agent-sts: the revocation stream is not enabled; enabling it again');
    await enableStream(calls, endpoints, current.id);
    if (status === 'disabled') state.revokeAllBefore(Math.floor(deps.now() / 1000));
    return false;
  };

  /** Verification `state`s this API asked for (SSF §8.1.4.1: a stranger's is invalid_state). */
  const asked: string[] = [];
  const heard = (result: IntakeResult): IntakeResult => {
    if (result.result !== 'ack') return result;
    for (const effect of result.effects) {
      if (effect.kind === 'revoked' && effect.what === 'key') void deps.keys().then((k) => k.refresh()).catch(() => undefined);
      if (effect.kind === 'verification' && (effect.streamId !== stream?.id || (effect.state !== undefined && !asked.includes(effect.state)))) {
        return { result: 'error', err: 'invalid_state', description: 'a verification this receiver did not ask for' };
      }
    }
    lastContact = deps.now();
    return result;
  };

  const heartbeat = async () => {
    for (;;) {
      await delay(options.heartbeatMs ?? 60_000, undefined, { signal: closing.signal });
      const current = stream;
      if (!current || !endpoints) continue;
      // A stream found paused or disabled is enabled again; the failure to is retried next beat.
      await confirmEnabled().catch(() => false);
      const state = randomBytes(12).toString('base64url');
      asked.push(state);
      if (asked.length > 8) asked.shift();
      const status = await requestVerification(calls, endpoints, current.id, state).catch(() => 0);
      if (status === 404) await resubscribe();
    }
  };

  const start = () => {
    connected ??= (async () => {
      stream = await connect();
      lastContact = deps.now();
    })();
    running ??= connected.then(() => (options.push
      ? heartbeat()
      : runPollLoop({ calls, retry, closing: closing.signal, intake: async (set, jti) => heard(await intake(set, (stream as StreamHandle).audience, jti)), current: () => stream as StreamHandle, resubscribe, confirmEnabled, onContact: () => { lastContact = deps.now(); }, logger: deps.logger })))
      .catch((error: unknown) => {
        if (!closing.signal.aborted) deps.logger?.warn?.({ err: (error as Error).message }, 'agent-sts: revocation feed stopped');
      });
    return connected;
  };

  return {
    start,
    state,
    pushEndpoint: options.push?.endpointUrl,
    lastContactMs: () => lastContact,
    streamId: () => stream?.id,
    async receive(set, authorization) {
      const refusal = checkPushAuthorization(`Bearer ${pushSecret}`, authorization, options.push?.endpointUrl);
      if (refusal) return refusal;
      const current = stream ?? (await Promise.race([start().then(() => stream), delay(deps.timeoutMs).then(() => undefined)]));
      if (!current) return { status: 503 };
      const result = heard(await intake(set, current.audience));
      if (result.result === 'ack') return { status: 202 };
      // invalid_key: the broker retries it (our keys may not have caught up yet).
      return { status: 400, body: result.result === 'retry' ? { err: 'invalid_key', description: 'the signing key could not be confirmed yet' } : { err: result.err, description: result.description } };
    },
    async close() {
      closing.abort();
      await running?.catch(() => undefined);
      const current = stream;
      if (current && endpoints) await deleteStream({ ...calls, timeoutMs: Math.min(deps.timeoutMs, 2_000) }, endpoints, current.id).catch(() => undefined);
      stream = undefined;
    },
  };
}
