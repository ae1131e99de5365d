import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { bootstrapEmptyDatabase } from './domain/bootstrap.js';
import { loadSecrets } from './domain/secrets.js';
import { deliveryTarget } from './domain/webhook-url.js';
import { createServices } from './services.js';
import { Database } from './storage/database.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';

/**
 * Sessions expired by time per transaction of the sweep: few enough that a transaction holds the
 * event loop for a few milliseconds.
 */
const sweepBatchSize = 50;

export interface RunningServer {
  app: FastifyInstance;
  /** The address it listens on, such as http://127.0.0.1:4010. */
  url: string;
  /** Settles if storage failed for good (see Database.failure): the process should stop and be restarted. */
  failure: Promise<unknown>;
  stop(): Promise<void>;
}

export function createLogger(config: Config, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    base: undefined,
    // Belt and braces: nothing that could carry a credential is ever written.
    redact: { paths: ['req.headers.authorization', 'headers.authorization', 'api_key', 'token'], censor: '[redacted]' },
  };
  // Written asynchronously: a busy server coalesces its lines into few writes instead of one
  // blocking write per request.
  return pino(options, destination ?? pino.destination({ dest: 1, sync: false }));
}

/** Opens storage, migrates it, and serves the app until stop() (or a signal) arrives. */
export async function startServer(
  config: Config,
  options: {
    logger?: Logger;
    onFirstRun?: (firstRun: { apiKey: string; programId: string }, url: string) => void;
  } = {},
): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  const secrets = loadSecrets(config.keyFile, {
    tokenSecret: config.tokenSecret,
    encryptionKeys: config.encryptionKeys,
  });
  const database = Database.open(config.database);
  await database.migrate();
  const firstRun = await bootstrapEmptyDatabase(database);
  const services = createServices(config, database, secrets);
  const app = await buildApp(services, logger);
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, database: config.database.kind }, 'listening');
  if (firstRun) options.onFirstRun?.(firstRun, url);

  // Each pass starts an interval after the last one ended, in small batches of their own
  // transactions, so that a backlog never holds the write lock long or piles passes up.
  let sweepTimer: NodeJS.Timeout | undefined;
  let sweeping: Promise<void> = Promise.resolve();
  let sweepStopped = false;
  const sweepOnce = async () => {
    for (let expired = sweepBatchSize; expired === sweepBatchSize && !sweepStopped; ) {
      const started = performance.now();
      expired = await database.transaction((tx) => services.sessions.expireOverdue(tx, sweepBatchSize));
      // Through a backlog, a pause as long as the batch took: the API keeps at least half the
      // process. Reads need no hurry: a session past its time already shows as expired.
      if (expired === sweepBatchSize) await sleep(performance.now() - started);
    }
  };
  const scheduleSweep = () => {
    sweepTimer = setTimeout(() => {
      sweeping = sweepOnce()
        .catch((error: Error) =>
          logger.error({ err: { type: error.name, message: error.message } }, 'expiry sweep failed'),
        )
        .finally(() => {
          if (!sweepStopped) scheduleSweep();
        });
    }, config.expirySweepIntervalSeconds * 1000);
    sweepTimer.unref();
  };
  scheduleSweep();

  const webhooks = new WebhookDispatcher(
    database,
    secrets.encryption,
    deliveryTarget,
    {
      pollIntervalMs: config.webhooks.pollIntervalMs,
      timeoutMs: config.webhooks.timeoutSeconds * 1000,
      retryBaseSeconds: config.webhooks.retryBaseSeconds,
      retryCapSeconds: 3600,
      retryWindowSeconds: config.webhooks.retryWindowSeconds,
      batchSize: 16,
    },
    logger,
  );
  webhooks.start();

  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= (async () => {
      sweepStopped = true;
      clearTimeout(sweepTimer);
      await sweeping;
      await app.close();
      await webhooks.stop();
      await database.close();
      logger.flush();
    })();
    return stopping;
  };
  const failure = database.failure.then((error) => {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    logger.fatal(
      { err: { type: name, message } },
      'the disk failed to store a commit; every request fails until the server is restarted',
    );
    return error;
  });
  return { app, url, failure, stop };
}
