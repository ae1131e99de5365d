import { Writable } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import Increase from 'increase';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { type Config, loadConfig } from '../../src/config.js';
import { createApiKey, type Environment, findOrCreateGroup } from '../../src/domain/access.js';
import { createProgram, updateProgram } from '../../src/domain/programs.js';
import { createLogger, startServer } from '../../src/server.js';
import type { Database } from '../../src/storage/database.js';
import { freshDatabase, tempDir } from './backend.js';
import { contractFetch, type Violation } from './contract.js';

export interface TestServer {
  url: string;
  apiKey: string;
  programId: string;
  config: Config;
  databaseUrl: string;
  /** Every log line the server wrote. */
  logs: string[];
  /**
   * Resolves once the lines of every answer already received are in `logs`: an answer is written
   * at the end of a turn of the event loop, and its request line at the end of the next.
   */
  logsSettled(): Promise<void>;
  /** Response bodies that did not match the reference schema. */
  violations: Violation[];
  /** The official SDK, pointed at this server. */
  client(options?: { apiKey?: string; maxRetries?: number }): Increase;
  /** A raw HTTP request, for what the SDK cannot send (bad JSON, missing headers). */
  request(
    method: string,
    path: string,
    init?: { headers?: Record<string, string>; body?: string },
  ): Promise<RawResponse>;
  /** A new API key, in a new or existing group, as `onboard keys create` makes one. */
  newApiKey(environment: Environment, group?: string): Promise<string>;
  newProgram(group?: string): Promise<string>;
  /** Sets a program's hosted-form settings, as `onboard programs update` does. */
  configureProgram(id: string, changes: Parameters<typeof updateProgram>[2]): Promise<void>;
  /**
   * A write through the server's own storage, as an operator's command would make one. (A second
   * SQLite connection in this process could deadlock: its busy wait blocks the event loop that
   * must finish the server's transaction.)
   */
  transaction: Database['transaction'];
  stop(): Promise<void>;
}

export interface RawResponse {
  status: number;
  headers: Headers;
  body: unknown;
  text: string;
}

/** Starts a real server on a loopback port over a fresh database of the suite's backend. */
export async function startTestServer(env: Record<string, string> = {}): Promise<TestServer> {
  const dir = tempDir();
  const database = await freshDatabase(dir);
  const config = loadConfig({
    PORT: '0',
    DATABASE_URL: database.url,
    ONBOARD_KEY_FILE: `${dir}/onboard.keys`,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  let firstRun: { apiKey: string; programId: string } | undefined;
  const server = await startServer(config, {
    logger: createLogger(config, sink),
    onFirstRun: (created) => {
      firstRun = created;
    },
  });
  if (!firstRun) throw new Error('a fresh database should have been bootstrapped');
  const { apiKey, programId } = firstRun;
  const violations: Violation[] = [];
  const fetchWithContract = contractFetch(violations);
  const { db } = server.app.services;

  return {
    url: server.url,
    apiKey,
    programId,
    config,
    databaseUrl: database.url,
    logs,
    async logsSettled() {
      await setImmediate();
      await setImmediate();
    },
    violations,
    client: (options = {}) =>
      new Increase({
        apiKey: options.apiKey ?? apiKey,
        baseURL: server.url,
        maxRetries: options.maxRetries ?? 0,
        fetch: fetchWithContract,
      }),
    async request(method, path, init = {}) {
      const response = await fetchWithContract(`${server.url}${path}`, {
        method,
        headers: init.headers,
        body: init.body,
      });
      const text = await response.text();
      let body: unknown = null;
      try {
        body = JSON.parse(text);
      } catch {}
      return { status: response.status, headers: response.headers, body, text };
    },
    newApiKey: (environment, group = 'default') =>
      db.transaction(
        async (tx) => (await createApiKey(tx, (await findOrCreateGroup(tx, group)).id, environment)).apiKey,
      ),
    newProgram: (group = 'default') =>
      db.transaction(
        async (tx) => (await createProgram(tx, (await findOrCreateGroup(tx, group)).id, `Program of ${group}`)).id,
      ),
    configureProgram: async (id, changes) => {
      await db.transaction((tx) => updateProgram(tx, id, changes));
    },
    transaction: (work) => db.transaction(work),
    async stop() {
      await server.stop();
      await database.drop();
    },
  };
}

/**
 * One server for a test file: started before its tests, stopped after them, and every test
 * fails if a response it received does not match the reference schema.
 */
export function useTestServer(onStart: (server: TestServer) => void, env: Record<string, string> = {}): void {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(env);
    onStart(server);
  });
  afterAll(() => server?.stop());
  afterEach(() => {
    expect(server?.violations).toEqual([]);
  });
}
