import { loadConfig } from '../../config.js';
import { startServer } from '../../server.js';
import { type Command, print, withDatabase } from '../command.js';

/** Running the server and migrating its database. */
export const serverCommands: Record<string, Command> = {
  serve: {
    usage: 'onboard serve',
    summary: 'Run the API server (migrates the database first).',
    options: {},
    async run() {
      const config = loadConfig();
      const server = await startServer(config, {
        onFirstRun: ({ apiKey, programId }, url) => {
          process.stderr.write(
            [
              '',
              'First start: created a default group with a sandbox API key and a program.',
              `  API key:    ${apiKey}   (shown once; keep it safe)`,
              `  Program id: ${programId}`,
              'Try it:',
              `  curl -X POST ${url}/entity_onboarding_sessions -H "Authorization: Bearer ${apiKey}" -H "Content-Type: application/json" -d '{"program_id":"${programId}","redirect_url":"https://example.com/onboarding/done"}'`,
              '',
            ].join('\n'),
          );
        },
      });
      // A server that can no longer store anything exits, so that its supervisor restarts it:
      // within 10 s even if a request in flight holds the shutdown up.
      let failed = false;
      void server.failure.then(() => {
        failed = true;
        setTimeout(() => process.exit(1), 10_000).unref();
        return server.stop().finally(() => process.exit(1));
      });
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          server.stop().then(
            () => process.exit(failed ? 1 : 0),
            () => process.exit(1),
          );
        });
      }
    },
  },
  migrate: {
    usage: 'onboard migrate',
    summary: 'Bring the database schema up to date.',
    options: {},
    async run() {
      await withDatabase(async () => {});
      print({ migrated: true });
    },
  },
};
