/**
 * The only place that reads process.env, listens and handles signals. Everything it runs is
 * built by createBroker (src/broker.ts), which tests call too.
 */
import type { FastifyBaseLogger } from 'fastify';
import { createBroker, PolicyLoadError, type Broker } from './broker.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ensureDevKeys } from './dev/index.js';
import { createLogger } from './logger.js';

/** How long a broker that failed to start may take to close what it had started before it exits anyway. */
const FAILED_START_CLOSE_MS = 5_000;

export async function serve(env: NodeJS.ProcessEnv, options: { dev?: boolean } = {}): Promise<Broker> {
  const config = configOrExit(env);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  if (options.dev) {
    const created = await ensureDevKeys(config.policyPath);
    if (created.length > 0) logger.warn({ files: created }, 'DEVELOPMENT KEYS generated for the sample policy: never use them in production');
  }
  const broker = await createOrExit(config, logger);
  handleSignals(broker, logger);
  await listenOrExit(broker);
  return broker;
}

async function createOrExit(config: Readonly<Config>, logger: FastifyBaseLogger): Promise<Broker> {
  let broker: Broker | undefined;
  try {
    broker = await createBroker(config, {
      logger,
      onFatal: () => {
        process.exitCode = 1;
        void broker?.close().finally(() => process.exit(1));
      },
    });
    return broker;
  } catch (error) {
    process.stderr.write(`agent-sts: ${(error as Error).message}\n`);
    // Exit now: a broker that failed to start may still hold connections and timers open, and
    // a supervisor must see it stop rather than a live process that serves nothing.
    process.exit(error instanceof PolicyLoadError ? 2 : 1);
  }
}

/**
 * A listener that cannot bind (its port taken, say) fails the whole start: a broker serving
 * tokens without its metrics or admin listener would report ready while half of it is missing,
 * and one without its main port would serve nothing. What did start (listeners already bound,
 * the key ring's timers, the store) is closed, and the process exits 1 for its supervisor.
 */
async function listenOrExit(broker: Broker): Promise<void> {
  try {
    await broker.listen();
  } catch (error) {
    process.stderr.write(`agent-sts: ${(error as Error).message}; refusing to start\n`);
    await closeWithin(broker, FAILED_START_CLOSE_MS).catch((cause: unknown) => broker.logger.error({ err: cause }, 'unclean shutdown'));
    process.exit(1);
  }
}

/** Closes the broker, or gives up after `ms` (a store that does not answer must not keep a failed start alive). */
function closeWithin(broker: Broker, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
    timer.unref();
  });
  return Promise.race([broker.close(), giveUp]).finally(() => clearTimeout(timer));
}

function handleSignals(broker: Broker, logger: FastifyBaseLogger): void {
  const onHangup = () => void broker.reloader?.reload();
  process.on('SIGHUP', onHangup);
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      logger.info({ signal }, 'shutting down');
      process.off('SIGHUP', onHangup);
      broker.close().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, 'unclean shutdown');
          process.exit(1);
        },
      );
    });
  }
}

function configOrExit(env: NodeJS.ProcessEnv): Readonly<Config> {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`agent-sts: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
