/**
 * The Shared Signals transmitter of one broker instance, assembled: its state (Redis when the
 * broker runs on Redis, this process otherwise), the emitter the broker's actions call, stream
 * management and poll delivery for the routes, push delivery running in the background, and
 * its metrics.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import { createSecurityEventMetrics, type SecurityEventMetrics } from '../metrics/index.js';
import type { Signer } from '../signing/index.js';
import type { Store } from '../store/index.js';
import { everyReceiver, type AudienceScope } from './audience-scope.js';
import { createEmitter, type Emitter } from './emitter.js';
import { createMemorySsfState } from './memory-state.js';
import { createPollDelivery, type PollDelivery } from './poll-delivery.js';
import { startPushDelivery } from './push-delivery.js';
import { createRedisSsfState } from './redis-state.js';
import type { SsfSettings } from './settings.js';
import type { SsfState } from './state.js';
import { createStreamManagement, type StreamManagement } from './stream-management.js';
import { createWakeups } from './wakeups.js';

export interface TransmitterOptions {
  issuer: string;
  settings: SsfSettings;
  clock: Clock;
  logger: FastifyBaseLogger;
  store: Store;
  signer: () => Signer;
  registry: Registry;
  /** Redis keys' prefix (default `sts:ssf:`). */
  keyPrefix?: string;
  /** STS_KEY_ENCRYPTION_KEY: seals receivers' push authorization headers in Redis. */
  kek?: Buffer;
  /** Which receivers learn of which event (default: all of every event). */
  scope?: AudienceScope;
}

export interface Transmitter {
  readonly events: Emitter;
  readonly management: StreamManagement;
  readonly polls: PollDelivery;
  readonly state: SsfState;
  readonly metrics: SecurityEventMetrics;
  close(): Promise<void>;
}

/** How often an instance looks whether another one appended an event (cross-instance wake-up). */
const WATCH_MS = 200;
/** How long close() waits for events still being appended. */
const CLOSE_FLUSH_MS = 2_000;

/** The shared state, with any push header stored before sealing (or without a key) sealed at start. */
function redisState(store: Store & { redis: Parameters<typeof createRedisSsfState>[0] }, options: TransmitterOptions, logger: FastifyBaseLogger): SsfState {
  const state = createRedisSsfState(store.redis, {
    ...(options.keyPrefix ? { prefix: options.keyPrefix } : {}),
    ...(options.kek ? { kek: options.kek } : {}),
  });
  state.sealStoredHeaders().then(
    (sealed) => { if (sealed > 0) logger.info({ streams: sealed }, 'sealed push authorization headers stored in plain text'); },
    (error: unknown) => logger.warn({ err: (error as Error).message }, 'could not seal stored push authorization headers; retried at the next start'),
  );
  return state;
}

export function createTransmitter(options: TransmitterOptions): Transmitter {
  const { issuer, settings, clock, store } = options;
  const logger = options.logger.child({ component: 'ssf' });
  const state = 'redis' in store ? redisState(store as Store & { redis: Parameters<typeof createRedisSsfState>[0] }, options, logger) : createMemorySsfState(clock);
  const metrics = createSecurityEventMetrics({
    registry: options.registry,
    backlogs: async () => Promise.all((await state.listStreams()).map(async (s) => ({ stream: s.id, receiver: s.receiver, size: await state.backlog(s.id) }))),
  });
  const wakeups = createWakeups({ version: () => state.version(), everyMs: WATCH_MS });
  const scope = options.scope ?? everyReceiver;
  const events = createEmitter({ issuer, state, settings, metrics, logger, wakeups, scope });
  const push = startPushDelivery({ issuer, state, settings, metrics, logger, wakeups, signer: options.signer, now: clock });
  return {
    events,
    management: createStreamManagement({ issuer, clock, state, settings, wakeups, metrics, scope }),
    polls: createPollDelivery({ issuer, clock, state, settings, metrics, logger, wakeups, signer: options.signer }),
    state,
    metrics,
    async close() {
      await Promise.race([events.flush(), new Promise((resolve) => setTimeout(resolve, CLOSE_FLUSH_MS).unref())]);
      events.close();
      wakeups.close();
      await push.close();
    },
  };
}
