/**
 * The only place that reads process.env, listens and handles signals. Everything it runs is
 * built by createBroker (src/broker.ts), which tests call too.
 */
import { createBroker, PolicyLoadError, type Broker } from './broker.js';
import { ConfigError, loadConfig, type Config } from './config.js';
import { ensureDevKeys } from './dev/index.js';
import { createLogger } from './logger.js';

export async function serve(env: NodeJS.ProcessEnv, options: { dev?: boolean } = {}): Promise<Broker> {
  const config = configOrExit(env);
  const logger = createLogger(config.logLevel, undefined, config.logFormat);
  if (options.dev) {
    const created = await ensureDevKeys(config.policyPath);
    if (created.length > 0) logger.warn({ files: created }, 'DEVELOPMENT KEYS generated for the sample policy: never use them in production');
  }
  let broker: Broker;
  try {
    broker = await createBroker(config, {
      logger,
      onFatal: () => {
        process.exitCode = 1;
        void broker.close().finally(() => process.exit(1));
      },
    });
  } catch (error) {
    process.stderr.write(`agent-sts: ${(error as Error).message}\n`);
    // Exit now: a broker that failed to start may still hold connections and timers open, and
    // a supervisor must see it stop rather than a live process that serves nothing.
    process.exit(error instanceof PolicyLoadError ? 2 : 1);
  }
  const onHangup = () => void broker.reloader?.reload();
  process.on('SIGHUP', onHangup);
  await broker.listen();

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
  return broker;
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
