import fs from 'node:fs';
import path from 'node:path';
import Increase from 'increase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, tempDir } from './support/backend.js';
import { type CliEnv, cliEnv, runCli, type ServeProcess, startServe } from './support/process.js';

/** A fresh database and key file for a group of tests; dropped afterwards. */
async function freshEnv(extra: CliEnv = {}) {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  return { env: cliEnv(dir, database.url, extra), drop: () => database.drop() };
}

/** For commands that must not reach a database: a SQLite file that should never be created. */
function scratchEnv(): { env: CliEnv; databaseFile: string } {
  const dir = tempDir();
  const databaseFile = path.join(dir, 'never.db');
  return { env: cliEnv(dir, `sqlite:${databaseFile}`), databaseFile };
}

const sdk = (baseURL: string, apiKey: string) => new Increase({ apiKey, baseURL, maxRetries: 0 });

/** A failure as an operator sees it: it ended on its own, not with 0, with one line on stderr. */
function expectOneLineFailure(result: { code: number | null; signal: string | null; stderr: string }) {
  expect(result.signal).toBeNull();
  expect(result.code).not.toBe(0);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
}

describe.concurrent('help', () => {
  it('onboard --help lists every command and exits 0', async () => {
    const result = await runCli(['--help'], scratchEnv().env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Usage: onboard <command>/);
    for (const command of ['serve', 'migrate', 'keys create', 'programs create']) {
      expect(result.stdout).toContain(`  ${command} `);
    }
  });

  it.each([
    [['serve'], 'onboard serve', ['PORT', 'DATABASE_URL', 'ONBOARD_SESSION_TTL']],
    [['migrate'], 'onboard migrate', []],
    [['keys', 'create'], 'onboard keys create --environment sandbox|production', ['--environment', '--group']],
    [['programs', 'create'], 'onboard programs create --name NAME', ['--name', '--group']],
  ])('%j --help prints its usage and exits 0', async (command, usage, mentions) => {
    const { env, databaseFile } = scratchEnv();
    const result = await runCli([...command, '--help'], env);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(new RegExp(`^Usage: ${usage.replace(/[|]/g, '\\|')}`));
    expect(result.stdout).toContain('--help');
    for (const word of mentions) expect(result.stdout).toContain(word);
    expect(fs.existsSync(databaseFile)).toBe(false);
  });
});

describe('keys create and programs create', () => {
  let env: CliEnv;
  let drop: () => Promise<void>;
  let served: ServeProcess | undefined;
  let defaultKey: { api_key: string; environment: string; group_id: string };
  let acmeKey: { api_key: string; environment: string; group_id: string };

  beforeAll(async () => {
    ({ env, drop } = await freshEnv());
  });
  afterAll(async () => {
    await served?.stop();
    await drop();
  });

  it('creates a sandbox key on a fresh database that a served API then accepts', async () => {
    const result = await runCli(['keys', 'create', '--environment', 'sandbox'], env);
    expect(result.code).toBe(0);
    defaultKey = JSON.parse(result.stdout);
    expect(Object.keys(defaultKey).sort()).toEqual(['api_key', 'environment', 'group_id']);
    expect(defaultKey.api_key).toMatch(/^onboard_sandbox_[A-Za-z0-9]+$/);
    expect(defaultKey.environment).toBe('sandbox');
    expect(defaultKey.group_id).toMatch(/^group_/);

    served = await startServe(env);
    const programs = await sdk(served.url, defaultKey.api_key).programs.list();
    expect(Array.isArray(programs.data)).toBe(true);
    const wrong = await sdk(served.url, `${defaultKey.api_key}x`)
      .programs.list()
      .catch((e: unknown) => e);
    expect(wrong).toBeInstanceOf(Increase.AuthenticationError);
  });

  it('creates a production key in a new group with an id of its own', async () => {
    const result = await runCli(['keys', 'create', '--environment', 'production', '--group', 'acme'], env);
    expect(result.code).toBe(0);
    acmeKey = JSON.parse(result.stdout);
    expect(acmeKey.api_key).toMatch(/^onboard_production_[A-Za-z0-9]+$/);
    expect(acmeKey.environment).toBe('production');
    expect(acmeKey.group_id).toMatch(/^group_/);
    expect(acmeKey.group_id).not.toBe(defaultKey.group_id);
  });

  it.each([[['--environment', 'staging']], [[]], [['--environment', 'sandbox', '--colour', 'blue']]])(
    'refuses keys create %j with one clear line and no key',
    async (args) => {
      const result = await runCli(['keys', 'create', ...args], env);
      expectOneLineFailure(result);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(/^onboard: /);
      if (!args.includes('--colour')) expect(result.stderr).toContain('--environment');
    },
  );

  it('creates a Program in a group: its key can read it, another group cannot', async () => {
    const result = await runCli(['programs', 'create', '--name', 'Payroll', '--group', 'acme'], env);
    expect(result.code).toBe(0);
    const program = JSON.parse(result.stdout) as Increase.Program;
    expect(program).toMatchObject({ type: 'program', name: 'Payroll' });
    expect(program.id).toMatch(/^program_/);
    if (!served) throw new Error('serve should be running');

    const acme = sdk(served.url, acmeKey.api_key);
    expect(await acme.programs.retrieve(program.id)).toEqual(program);
    expect((await acme.programs.list()).data.map((p) => p.id)).toContain(program.id);

    const other = await sdk(served.url, defaultKey.api_key)
      .programs.retrieve(program.id)
      .catch((e: unknown) => e);
    expect(other).toBeInstanceOf(Increase.NotFoundError);
    expect((other as InstanceType<typeof Increase.APIError>).status).toBe(404);
  });

  it('refuses programs create without a name', async () => {
    const result = await runCli(['programs', 'create', '--group', 'acme'], env);
    expectOneLineFailure(result);
    expect(result.stderr).toContain('--name');
  });
});

describe('migrate', () => {
  it('brings a fresh database up to date, prints that it did, and exits 0', async () => {
    const { env, drop } = await freshEnv();
    const result = await runCli(['migrate'], env);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ migrated: true });
    // Migrating twice is harmless.
    expect((await runCli(['migrate'], env)).code).toBe(0);
    await drop();
  });
});

describe.concurrent('configuration', () => {
  it.each([
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['ONBOARD_SESSION_TTL', '0'],
    ['PUBLIC_URL', 'https://onboard.example.com/a"b'],
  ])('serve with %s=%s fails fast with one line naming it', async (name, value) => {
    const { env, databaseFile } = scratchEnv();
    const result = await runCli(['serve'], { ...env, [name]: value }, 10_000);
    expectOneLineFailure(result);
    expect(result.stderr).toContain(name);
    expect(result.stdout).toBe('');
    expect(fs.existsSync(databaseFile)).toBe(false);
  });
});

describe('serve', () => {
  it('on an empty database prints a working key, program and curl line once; a restart prints none', async () => {
    const { env, drop } = await freshEnv();
    // A migrated but empty database still counts as a first start.
    expect((await runCli(['migrate'], env)).code).toBe(0);

    const first = await startServe(env);
    const created = await first.firstRun();
    expect(created).not.toBeNull();
    const { apiKey, programId } = created as { apiKey: string; programId: string };
    expect(apiKey).toMatch(/^onboard_sandbox_[A-Za-z0-9]+$/);
    const curl = first
      .stderr()
      .split('\n')
      .filter((line) => line.includes('curl '));
    expect(curl).toHaveLength(1);
    expect(curl[0]).toContain(`curl -X POST ${first.url}/entity_onboarding_sessions`);
    expect(curl[0]).toContain(`Bearer ${apiKey}`);
    expect(curl[0]).toContain(`"program_id":"${programId}"`);

    // What it printed is what it stored: the key creates a session in that program.
    const session = await sdk(first.url, apiKey).entityOnboardingSessions.create({
      program_id: programId,
      redirect_url: 'https://example.com/done',
    });
    expect(session).toMatchObject({ status: 'active', program_id: programId });
    expect(await first.stop()).toEqual({ code: 0, signal: null });

    const second = await startServe(env);
    expect((await sdk(second.url, apiKey).entityOnboardingSessions.retrieve(session.id)).id).toBe(session.id);
    expect(await second.stop()).toEqual({ code: 0, signal: null });
    expect(second.stderr()).not.toContain('API key');
    expect(second.stderr()).not.toContain('onboard_sandbox_');
    await drop();
  });

  it('exits 0 on SIGTERM and stops answering', async () => {
    const { env, drop } = await freshEnv();
    const served = await startServe(env);
    expect((await fetch(`${served.url}/openapi.json`)).status).toBe(200);
    expect(await served.stop('SIGTERM')).toEqual({ code: 0, signal: null });
    await expect(fetch(`${served.url}/openapi.json`)).rejects.toThrow();
    await drop();
  });
});
