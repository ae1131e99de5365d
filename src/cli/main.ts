#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { ConfigError, configVariables, loadConfig } from '../config.js';
import { createApiKey, defaultGroupName, findOrCreateGroup } from '../domain/access.js';
import { encryptedColumns, reencryptAll } from '../domain/encrypted-columns.js';
import { createProgram } from '../domain/programs.js';
import { addEncryptionKey, loadSecrets, newEncryptionKey, requireKeyFile } from '../domain/secrets.js';
import { startServer } from '../server.js';
import { Database } from '../storage/database.js';

/** Thin commands: read arguments, call the domain, print JSON. */

class UsageError extends Error {}

interface Command {
  usage: string;
  summary: string;
  /** More for --help, after the options. */
  details?: string[];
  options: Record<string, { type: 'string' | 'boolean'; description: string }>;
  /** `values` has the string options given, `flags` the boolean ones. */
  run(values: Record<string, string | undefined>, flags: ReadonlySet<string>): Promise<void>;
}

const print = (value: unknown) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** Opens (and migrates) the configured database for one command, and closes it after. */
async function withDatabase<T>(work: (database: Database) => Promise<T>): Promise<T> {
  const database = Database.open(loadConfig().database);
  try {
    await database.migrate();
    return await work(database);
  } finally {
    await database.close();
  }
}

const groupOption = {
  type: 'string',
  description: `group (tenant) name; created if new (default: ${defaultGroupName})`,
} as const;

const commands: Record<string, Command> = {
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
      for (const signal of ['SIGINT', 'SIGTERM'] as const) {
        process.once(signal, () => {
          server.stop().then(
            () => process.exit(0),
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
  'keys create': {
    usage: 'onboard keys create --environment sandbox|production [--group NAME]',
    summary: 'Create an API key and print it (shown once; only its hash is kept).',
    options: {
      environment: { type: 'string', description: 'sandbox or production (required)' },
      group: groupOption,
    },
    async run(values) {
      const environment = values.environment;
      if (environment !== 'sandbox' && environment !== 'production') {
        throw new UsageError('--environment must be sandbox or production');
      }
      const result = await withDatabase((database) =>
        database.transaction(async (tx) => {
          const group = await findOrCreateGroup(tx, values.group ?? defaultGroupName);
          const { apiKey } = await createApiKey(tx, group.id, environment);
          return { api_key: apiKey, environment, group_id: group.id };
        }),
      );
      print(result);
    },
  },
  'programs create': {
    usage: 'onboard programs create --name NAME [--group NAME]',
    summary: 'Create a Program and print it.',
    options: { name: { type: 'string', description: 'the Program name (required)' }, group: groupOption },
    async run(values) {
      const name = values.name?.trim();
      if (!name) throw new UsageError('--name is required');
      const program = await withDatabase((database) =>
        database.transaction(async (tx) => {
          const group = await findOrCreateGroup(tx, values.group ?? defaultGroupName);
          return createProgram(tx, group.id, name);
        }),
      );
      print(program);
    },
  },
  'keys rotate-encryption': {
    usage: 'onboard keys rotate-encryption [--reencrypt-only]',
    summary: 'Add a new encryption key and re-encrypt stored personal data and Files with it.',
    options: {
      'reencrypt-only': {
        type: 'boolean',
        description: 'add no key: re-encrypt what is not yet under the current (first) key',
      },
    },
    details: [
      'Puts a new 32-byte key first in ONBOARD_KEY_FILE (the old ones stay, for reading), then',
      `re-encrypts ${encryptedColumns.map((c) => `${c.table}.${c.column}`).join(', ')} in batches.`,
      'Running servers read the key file only at start: restart them afterwards, then run',
      'again with --reencrypt-only to move rows they wrote in the meantime.',
      'With keys in ONBOARD_ENCRYPTION_KEY instead, add the new key there yourself and use',
      '--reencrypt-only (run without it to see the steps).',
    ],
    async run(_values, flags) {
      const config = loadConfig();
      const reencryptOnly = flags.has('reencrypt-only');
      const keysInEnvironment = config.encryptionKeys.length > 0;
      if (keysInEnvironment && !reencryptOnly) throw new UsageError(environmentRotationSteps());
      if (!keysInEnvironment) requireKeyFile(config.keyFile);
      const result = await withDatabase(async (database) => {
        const added = reencryptOnly ? null : addEncryptionKey(config.keyFile);
        const { encryption } = loadSecrets(config.keyFile, {
          tokenSecret: config.tokenSecret,
          encryptionKeys: config.encryptionKeys,
        });
        const columns = await reencryptAll(database, encryption);
        return { encryption_key_id: encryption.currentKeyId, key_added: added !== null, columns };
      });
      print(result);
      if (result.key_added) {
        process.stderr.write(
          'Restart every server that uses this key file: until then they cannot read what was re-encrypted.\n' +
            'Then run `onboard keys rotate-encryption --reencrypt-only` to move rows they wrote meanwhile.\n',
        );
      }
    },
  },
};

/** How to rotate keys that live in ONBOARD_ENCRYPTION_KEY, which this command cannot edit. */
function environmentRotationSteps(): string {
  return [
    'ONBOARD_ENCRYPTION_KEY is set, so the encryption keys come from the environment and this command',
    'cannot add one. To rotate them:',
    `  1. Make a new key (this one is fresh: ${newEncryptionKey()} , or run: openssl rand -base64 32)`,
    '     and put it first in ONBOARD_ENCRYPTION_KEY on every server, the old key after it:',
    '     ONBOARD_ENCRYPTION_KEY=<new>,<old>, and restart the servers. (Restarting them one at a time?',
    '     Then first add it last, <old>,<new>, and restart them all; then move it first and restart',
    '     again, so that every server can read it before any server writes with it.)',
    '  2. Run, with the same ONBOARD_ENCRYPTION_KEY: onboard keys rotate-encryption --reencrypt-only',
    '  3. Remove the old key from ONBOARD_ENCRYPTION_KEY and restart the servers.',
  ].join('\n');
}

function help(command?: Command): string {
  if (command) {
    const lines = [`Usage: ${command.usage}`, '', command.summary];
    const options = Object.entries(command.options);
    if (options.length > 0)
      lines.push('', 'Options:', ...options.map(([n, o]) => `  --${n.padEnd(14)} ${o.description}`));
    lines.push('  --help           show this help');
    if (command.details) lines.push('', ...command.details);
    if (command.usage === 'onboard serve') {
      lines.push(
        '',
        'Environment (default):',
        ...Object.entries(configVariables).map(([k, v]) => `  ${k.padEnd(30)} ${v || '(unset)'}`),
      );
    }
    return lines.join('\n');
  }
  return [
    'Usage: onboard <command> [options]',
    '',
    'Commands:',
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(18)} ${c.summary}`),
    '',
    'Every command reads DATABASE_URL (default sqlite:./data/onboard.db) and migrates first.',
    'Run `onboard <command> --help` for its options.',
  ].join('\n');
}

async function main(argv: string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const name = [`${words[0]} ${words[1]}`, words[0]].find((n) => n !== undefined && n in commands);
  const command = name ? commands[name] : undefined;
  if (!command) {
    const wantsHelp = argv.length === 0 || argv.includes('--help') || argv.includes('-h') || words[0] === 'help';
    if (wantsHelp) return void process.stdout.write(`${help()}\n`);
    throw new UsageError(`unknown command "${words.join(' ')}"; run onboard --help`);
  }
  const rest = argv.slice(argv.indexOf(words[name?.includes(' ') ? 1 : 0] as string) + 1);
  if (rest.includes('--help') || rest.includes('-h')) return void process.stdout.write(`${help(command)}\n`);
  const values: Record<string, string | undefined> = {};
  const flags = new Set<string>();
  try {
    const parsed = parseArgs({ args: rest, options: command.options, strict: true, allowPositionals: false }).values;
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value === 'string') values[name] = value;
      else if (value === true) flags.add(name);
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  await command.run(values, flags);
}

main(process.argv.slice(2)).catch((error: Error) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`onboard: configuration error: ${error.message}\n`);
    process.exit(78);
  }
  if (error instanceof UsageError) {
    process.stderr.write(`onboard: ${error.message}\n`);
    process.exit(64);
  }
  process.stderr.write(`onboard: ${error.message}\n`);
  process.exit(1);
});
