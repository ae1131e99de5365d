import fs from 'node:fs';
import path from 'node:path';
import Increase from 'increase';
import { afterAll, expect, it } from 'vitest';
import { backend, freshDatabase, tempDir } from './support/backend.js';
import { contractFetch, type Violation } from './support/contract.js';
import { cliEnv, startServe } from './support/process.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const redirect_url = 'https://example.com/onboarding/done';
const workers = 8;
const loadMs = 1_500;

it(`loses no acknowledged session when serve is SIGKILLed under write load (${backend})`, async () => {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  cleanups.push(() => database.drop());
  const env = cliEnv(dir, database.url);

  const first = await startServe(env);
  cleanups.push(() => first.stop('SIGKILL'));
  const created = await first.firstRun();
  if (!created) throw new Error(`first start printed no API key:\n${first.stderr()}`);
  const { apiKey, programId } = created;

  const loadClient = new Increase({ apiKey, baseURL: first.url, maxRetries: 0, timeout: 10_000 });
  const acknowledged: string[] = [];
  const failedBeforeKill: unknown[] = [];
  let killed = false;
  let inFlight = 0;
  const worker = async () => {
    while (!killed) {
      inFlight++;
      try {
        const session = await loadClient.entityOnboardingSessions.create({ program_id: programId, redirect_url });
        // A 200 that arrives after the kill was still acknowledged: it must survive too.
        acknowledged.push(session.id);
      } catch (error) {
        if (!killed) failedBeforeKill.push(error);
      } finally {
        inFlight--;
      }
    }
  };
  const load = Promise.all(Array.from({ length: workers }, worker));
  await new Promise((resolve) => setTimeout(resolve, loadMs));
  killed = true;
  const inFlightAtKill = inFlight;
  expect(await first.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });
  await load;

  expect(failedBeforeKill).toEqual([]);
  expect(inFlightAtKill).toBeGreaterThan(0);
  expect(acknowledged.length).toBeGreaterThan(20);

  const second = await startServe(env);
  cleanups.push(() => second.stop());
  // The restart finds its data: no second bootstrap, the same key still works.
  expect(await second.firstRun(300)).toBeNull();
  const violations: Violation[] = [];
  const client = new Increase({ apiKey, baseURL: second.url, maxRetries: 0, fetch: contractFetch(violations) });

  const listed = new Map<string, Increase.EntityOnboardingSession>();
  for await (const session of client.entityOnboardingSessions.list({ limit: 100 })) {
    expect(listed.has(session.id)).toBe(false);
    listed.set(session.id, session);
  }
  const missingFromList = acknowledged.filter((id) => !listed.has(id));
  expect(missingFromList).toEqual([]);
  // Rows written whole: each one valid, active, and exactly what was asked for.
  for (const session of listed.values()) {
    expect(session).toMatchObject({ status: 'active', program_id: programId, redirect_url, entity_id: null });
    expect(session.session_url).toMatch(/\?id=[a-z0-9]{8}[A-Za-z0-9]{40}$/);
  }
  // At most the requests in flight at the kill may have been written without an answer.
  expect(listed.size - acknowledged.length).toBeLessThanOrEqual(inFlightAtKill);

  const queue = [...acknowledged];
  const unretrievable: string[] = [];
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const session = await client.entityOnboardingSessions.retrieve(id).catch(() => null);
        if (session?.id !== id || session.status !== 'active') unretrievable.push(id);
      }
    }),
  );
  expect(unretrievable).toEqual([]);
  expect(violations).toEqual([]);
});

it.runIf(backend === 'sqlite')(
  'exits when the disk fails a sync, so that a supervisor restarts it; the restart serves what was answered',
  async () => {
    const dir = tempDir();
    const database = await freshDatabase(dir);
    cleanups.push(() => database.drop());
    // The disk, not Onboard, fails: while this file exists, every fsync reports an I/O error.
    const diskFails = path.join(dir, 'disk-fails');
    const failingDisk = path.join(dir, 'failing-disk.cjs');
    fs.writeFileSync(
      failingDisk,
      `const fs = require('node:fs');
const fsync = fs.fsync;
fs.fsync = (fd, callback) =>
  fs.existsSync(${JSON.stringify(diskFails)})
    ? process.nextTick(callback, Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))
    : fsync(fd, callback);
`,
    );
    const env = cliEnv(dir, database.url, { NODE_OPTIONS: `--require ${JSON.stringify(failingDisk)}` });

    const first = await startServe(env);
    cleanups.push(() => first.stop('SIGKILL'));
    const created = await first.firstRun();
    if (!created) throw new Error(`first start printed no API key:\n${first.stderr()}`);
    const { apiKey, programId } = created;
    const client = (url: string) => new Increase({ apiKey, baseURL: url, maxRetries: 0 });
    const kept = await client(first.url).entityOnboardingSessions.create({ program_id: programId, redirect_url });

    fs.writeFileSync(diskFails, '');
    const refused = await client(first.url)
      .entityOnboardingSessions.create({ program_id: programId, redirect_url })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Increase.InternalServerError);
    let timer: NodeJS.Timeout | undefined;
    const stillRunning = new Promise((resolve) => {
      timer = setTimeout(resolve, 15_000, 'still running');
    });
    expect(await Promise.race([first.exited(), stillRunning])).toEqual({ code: 1, signal: null });
    clearTimeout(timer);
    expect(first.stdout()).toContain('the disk failed to store a commit');

    fs.rmSync(diskFails);
    const second = await startServe(env);
    cleanups.push(() => second.stop());
    expect(await client(second.url).entityOnboardingSessions.retrieve(kept.id)).toMatchObject({
      id: kept.id,
      status: 'active',
    });
  },
);
