import Increase from 'increase';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshDatabase, tempDir } from './support/backend.js';
import { cliEnv, runCli, startServe } from './support/process.js';

/** `onboard programs update`: the operator's settings for the hosted form, announced as Events. */
describe('programs update', () => {
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let programId: string;
  let apiKey: string;

  beforeAll(async () => {
    const dir = tempDir();
    const database = await freshDatabase(dir);
    drop = database.drop;
    env = cliEnv(dir, database.url);
    apiKey = JSON.parse((await runCli(['keys', 'create', '--environment', 'sandbox'], env)).stdout).api_key;
    programId = JSON.parse((await runCli(['programs', 'create', '--name', 'Payroll'], env)).stdout).id;
  });
  afterAll(() => drop());

  it('changes the name and the form settings, and prints both', async () => {
    const result = await runCli(
      [
        'programs',
        'update',
        programId,
        '--name',
        'Payroll accounts',
        '--display-name',
        'Acme Payroll',
        '--logo-url',
        'https://acme.example/logo.png',
        '--accent-color',
        '#1A6B3C',
        '--terms-url',
        'https://acme.example/terms',
        '--structures',
        'natural_person,corporation',
      ],
      env,
    );
    expect(result.code, result.stderr).toBe(0);
    const printed = JSON.parse(result.stdout);
    expect(printed.program).toMatchObject({ type: 'program', id: programId, name: 'Payroll accounts' });
    expect(printed.onboarding).toEqual({
      display_name: 'Acme Payroll',
      logo_url: 'https://acme.example/logo.png',
      accent_color: '#1a6b3c',
      terms_url: 'https://acme.example/terms',
      structures: ['natural_person', 'corporation'],
    });
  });

  it('clears a setting given as an empty value, and keeps the others', async () => {
    const result = await runCli(['programs', 'update', programId, '--logo-url', ''], env);
    expect(result.code, result.stderr).toBe(0);
    const { onboarding } = JSON.parse(result.stdout);
    expect(onboarding.logo_url).toBeNull();
    expect(onboarding.display_name).toBe('Acme Payroll');
  });

  it.each([
    [['--accent-color', 'green'], 'accent_color'],
    [['--logo-url', 'http://acme.example/logo.png'], 'logo_url'],
    [['--terms-url', 'not a url'], 'terms_url'],
    [['--structures', 'natural_person,partnership'], 'structures'],
    [['--name', '  '], 'name'],
  ])('refuses %j with one line naming %s, and changes nothing', async (args, field) => {
    const result = await runCli(['programs', 'update', programId, ...args], env);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(field);
  });

  it('says so for an unknown program', async () => {
    const result = await runCli(['programs', 'update', 'program_aaaaaaaaaaaaaaaaaaaa', '--name', 'x'], env);
    expect(result.code).toBe(66);
    expect(result.stderr).toContain('program_aaaaaaaaaaaaaaaaaaaa');
  });

  it('is announced as a program.updated Event, and the API shows the new name', async () => {
    const server = await startServe(env);
    try {
      const client = new Increase({ apiKey, baseURL: server.url, maxRetries: 0 });
      expect((await client.programs.retrieve(programId)).name).toBe('Payroll accounts');
      const updates = await client.events.list({
        category: { in: ['program.updated'] },
        associated_object_id: programId,
      });
      // Two successful updates; refused ones left no Event.
      expect(updates.data).toHaveLength(2);
      expect(updates.data.every((e) => e.associated_object_type === 'program')).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
