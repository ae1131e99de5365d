import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshDatabase, tempDir } from './support/backend.js';
import { eventually } from './support/deliveries.js';
import { cliEnv, startServe } from './support/process.js';

// The bin runs the bundle with V8's code cache, which a server writes beside the bundle
// (src/cli/launcher.ts). Each test runs a copy of the bundle in a folder of its own inside dist/,
// so that the bundle still finds node_modules and the form's assets, and no other test's server
// writes its cache.
const built = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../dist/bundle');
const copies: string[] = [];
let env: ReturnType<typeof cliEnv>;
let drop: () => Promise<void> = async () => {};

beforeAll(async () => {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  drop = database.drop;
  env = cliEnv(dir, database.url);
});

afterAll(async () => {
  for (const copy of copies) fs.rmSync(copy, { recursive: true, force: true });
  await drop();
});

/** The bin and bundle, without a cache; returns the bin and where its cache goes. */
function copyOfBundle() {
  const folder = fs.mkdtempSync(path.join(built, '..', 'bundle-test-'));
  copies.push(folder);
  for (const file of ['onboard.js', 'onboard.cjs']) fs.copyFileSync(path.join(built, file), path.join(folder, file));
  return { bin: path.join(folder, 'onboard.js'), cache: path.join(folder, 'onboard.cjs.cache') };
}

/** Serves for longer than the launcher waits before writing a cache, answering a request. */
async function serveAWhile(bin: string) {
  const server = await startServe(env, 20_000, bin);
  try {
    const response = await fetch(`${server.url}/entity_onboarding_sessions`);
    expect(response.status).toBe(401);
    await sleep(3_000);
  } finally {
    await server.stop();
  }
}

it('leaves a code cache beside the bundle that the next start accepts', async () => {
  const { bin, cache } = copyOfBundle();
  const server = await startServe(env, 20_000, bin);
  try {
    await eventually('the code cache written', async () => (fs.existsSync(cache) ? true : undefined), 10_000);
  } finally {
    await server.stop();
  }
  const written = fs.statSync(cache);
  expect(written.size).toBeGreaterThan(100_000);
  // A start that accepts the cache leaves it as it is; one that rejected it would write anew.
  await serveAWhile(bin);
  const after = fs.statSync(cache);
  expect([after.ino, after.mtimeMs]).toEqual([written.ino, written.mtimeMs]);
}, 30_000);

it('starts and serves with a cache V8 rejects, and replaces it', async () => {
  const { bin, cache } = copyOfBundle();
  fs.writeFileSync(cache, 'not a code cache');
  await serveAWhile(bin);
  expect(fs.statSync(cache).size).toBeGreaterThan(100_000);
  // Written through a temporary file, which is gone.
  expect(fs.readdirSync(path.dirname(cache)).sort()).toEqual(['onboard.cjs', 'onboard.cjs.cache', 'onboard.js']);
}, 30_000);
