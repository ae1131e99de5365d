import { loadConfig } from '../../config.js';
import { createApiKey, defaultGroupName, findOrCreateGroup } from '../../domain/access.js';
import { encryptedColumns, reencryptAll } from '../../domain/encrypted-columns.js';
import { addEncryptionKey, loadSecrets, newEncryptionKey, requireKeyFile } from '../../domain/secrets.js';
import { type Command, groupOption, print, UsageError, withDatabase } from '../command.js';

/** API keys and encryption keys. */
export const keyCommands: Record<string, Command> = {
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
