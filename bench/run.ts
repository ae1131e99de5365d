/**
 * `npm run bench`: Onboard (SQLite and PostgreSQL), Steady, Prism and a bare node:http server
 * answering Onboard's own bytes (the ceiling), each in a process of its own, under the same load
 * from an autocannon process of its own. Prints Markdown tables of throughput as a share of the
 * ceiling, latency, resident memory and time to first answer. See docs/benchmarks.md.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { CapturedResponse } from './support/captured.js';
import { comparisonScenarios, type LoadSettings, measure, type Scenario } from './support/measure.js';
import { type MockName, startMock } from './support/mocks.js';
import { type OnboardSetup, postgresReachable, seedSessions, serveOnboard, setUpOnboard } from './support/onboard.js';
import {
  benchFile,
  childEnv,
  cliPath,
  freePort,
  killChildren,
  repoRoot,
  type ServerProcess,
  startServer,
} from './support/processes.js';
import { type BenchReport, renderReport, type TargetName, type TargetRun, targetLabels } from './support/report.js';

const allTargets: TargetName[] = ['ceiling', 'sqlite', 'postgres', 'steady', 'prism'];
const allScenarios: Scenario['name'][] = ['create', 'retrieve', 'list10', 'list100', 'form'];

function readOptions() {
  const { values } = parseArgs({
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      only: { type: 'string' },
      scenarios: { type: 'string' },
      json: { type: 'string' },
      'cpu-prof': { type: 'string' },
      'server-env': { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench -- [--duration S] [--warmup S] [--connections N] [--only LIST] [--json FILE] [--cpu-prof DIR] [--keep]',
        '',
        '  --duration     seconds measured per cell (BENCH_DURATION, default 10)',
        '  --warmup       seconds of warm-up before each cell (BENCH_WARMUP, default 3)',
        '  --connections  concurrent connections (BENCH_CONNECTIONS, default 50)',
        `  --only         servers to measure, comma-separated, of ${allTargets.join(',')} (BENCH_TARGETS)`,
        `  --scenarios    endpoints to measure, comma-separated, of ${allScenarios.join(',')} (BENCH_SCENARIOS)`,
        '  --json         also write the results as JSON to FILE (BENCH_JSON)',
        '  --cpu-prof     run the Onboard servers with node --cpu-prof, profiles in DIR (BENCH_CPU_PROF)',
        '  --server-env   extra environment for the Onboard servers, as NAME=VALUE,NAME=VALUE (BENCH_SERVER_ENV)',
        '  --keep         keep the temporary directory with server logs (BENCH_KEEP=1)',
        '',
        'BENCH_PG_URL: a PostgreSQL URL to create the benchmark databases from',
        '  (default postgres://postgres@127.0.0.1:5432/postgres); databases are named onboard_bench_*.',
        'BENCH_OPENAPI: the OpenAPI document Steady and Prism serve',
        '  (default reference/increase-openapi.json).',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const number = (flag: string | undefined, env: string, fallback: number) => {
    const raw = flag ?? process.env[env];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${env} (or its flag) must be a number, not "${raw}"`);
    return n;
  };
  const only = (values.only ?? process.env.BENCH_TARGETS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of only) if (!allTargets.includes(t as TargetName)) throw new Error(`unknown server "${t}"`);
  const scenarioNames = (values.scenarios ?? process.env.BENCH_SCENARIOS ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
  for (const t of scenarioNames)
    if (!allScenarios.includes(t as Scenario['name'])) throw new Error(`unknown endpoint "${t}"`);
  const settings: LoadSettings = {
    connections: number(values.connections, 'BENCH_CONNECTIONS', 50),
    warmupSeconds: number(values.warmup, 'BENCH_WARMUP', 3),
    durationSeconds: number(values.duration, 'BENCH_DURATION', 10),
  };
  return {
    settings,
    targets: only.length > 0 ? (only as TargetName[]) : allTargets,
    scenarios: scenarioNames.length > 0 ? (scenarioNames as Scenario['name'][]) : allScenarios,
    jsonOut: values.json ?? process.env.BENCH_JSON,
    cpuProfDir: values['cpu-prof'] ?? process.env.BENCH_CPU_PROF,
    serverEnv: Object.fromEntries(
      (values['server-env'] ?? process.env.BENCH_SERVER_ENV ?? '')
        .split(',')
        .filter((pair) => pair.includes('='))
        .map((pair) => [pair.slice(0, pair.indexOf('=')).trim(), pair.slice(pair.indexOf('=') + 1)]),
    ) as Record<string, string>,
    keep: values.keep ?? process.env.BENCH_KEEP === '1',
    postgresAdminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    openapi: path.resolve(repoRoot, process.env.BENCH_OPENAPI ?? 'reference/increase-openapi.json'),
  };
}

type Options = ReturnType<typeof readOptions>;

const log = (message: string) => process.stderr.write(`${message}\n`);

/** Sessions made before measuring, so that a page of 100 is full and has a next page. */
const seededSessions = 120;

/** The ids one Onboard server's scenarios use. */
async function prepare(setup: OnboardSetup): Promise<Scenario[]> {
  const seeded = await seedSessions(setup, seededSessions);
  const first = seeded[0];
  if (!first?.session_url) throw new Error('a new session has no session_url');
  const form = new URL(first.session_url);
  return comparisonScenarios({
    apiKey: setup.apiKey,
    programId: setup.programId,
    retrieveId: first.id,
    formPath: `${form.pathname}${form.search}`,
  });
}

/**
 * Onboard's answer to each scenario, byte for byte (but for headers Node.js adds itself), from
 * a server of its own: what the ceiling answers with.
 */
async function capture(setup: OnboardSetup, scenarios: Scenario[]): Promise<CapturedResponse[]> {
  const captured: CapturedResponse[] = [];
  for (const scenario of scenarios) {
    const headers: Record<string, string> = { ...scenario.headers };
    if (scenario.uniqueIdempotencyKey) headers['idempotency-key'] = `stainless-node-retry-${randomUUID()}`;
    const response = await fetch(`${setup.url}${scenario.path}`, {
      method: scenario.method,
      headers,
      ...(scenario.body === undefined ? {} : { body: scenario.body }),
      redirect: 'manual',
    });
    const body = await response.text();
    const kept = [...response.headers.entries()].filter(
      ([name]) => !['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(name),
    );
    if (!kept.some(([name]) => name === 'content-length'))
      kept.push(['content-length', String(Buffer.byteLength(body))]);
    captured.push({ method: scenario.method, path: scenario.path, status: response.status, headers: kept, body });
  }
  return captured;
}

function emptyRun(target: TargetName, pass: number): TargetRun {
  return {
    target,
    pass,
    measurements: {},
    ceilingRps: {},
    skipped: {},
    firstAnswerMs: null,
    restart: null,
    error: null,
  };
}

/** A server under test, started and ready to be measured. */
interface Contender {
  run: TargetRun;
  url: string;
  server: ServerProcess;
  scenarios: Scenario[];
  skip: Partial<Record<Scenario['name'], string>>;
  /** Onboard only: its database, for the restart and the clean-up. */
  setup?: OnboardSetup;
  dir?: string;
}

async function measureOne(contender: Contender, name: Scenario['name'], options: Options): Promise<void> {
  const { run } = contender;
  const why = contender.skip[name];
  if (why) {
    run.skipped[name] = why;
    return;
  }
  const scenario = contender.scenarios.find((s) => s.name === name) as Scenario;
  const m = await measure(contender.url, scenario, contender.server.pid, options.settings, run.target === 'postgres');
  run.measurements[name] = m;
  const r = m.result;
  const who = `${targetLabels[run.target]}${run.target === 'ceiling' ? ` (pass ${run.pass})` : ''}`;
  log(
    `  ${who.padEnd(26)} ${Math.round(r.okRps).toString().padStart(6)} 2xx/s` +
      `${r.non2xx > 0 ? ` (+${Math.round(r.non2xx / r.durationSeconds)} non-2xx/s ${JSON.stringify(r.statusCodes)})` : ''}` +
      `  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  RSS ${m.rss.peakMb.toFixed(0)} MB` +
      `  CPU ${m.cpuPerRequestUs.toFixed(0)} µs/request` +
      (m.postgresCpuPerRequestUs === undefined
        ? ''
        : `  PostgreSQL ${m.postgresCpuPerRequestUs.toFixed(0)} µs/request`),
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function countSessions(setup: OnboardSetup): Promise<number> {
  const url = setup.env.DATABASE_URL as string;
  if (url.startsWith('sqlite:')) {
    const { default: Sqlite } = await import('better-sqlite3');
    const db = new Sqlite(url.slice('sqlite:'.length), { readonly: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM entity_onboarding_sessions').get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return Number((await client.query('SELECT count(*) AS n FROM entity_onboarding_sessions')).rows[0].n);
  } finally {
    await client.end();
  }
}

/** Starts Onboard on a fresh database of its own and seeds it. */
async function startOnboard(
  backend: 'sqlite' | 'postgres',
  work: string,
  options: Options,
  drops: Set<() => Promise<void>>,
): Promise<Contender> {
  const run = emptyRun(backend, 1);
  const dir = fs.mkdtempSync(path.join(work, `${backend}-`));
  const setup = await setUpOnboard(backend, dir, {
    postgresAdminUrl: options.postgresAdminUrl,
    label: backend,
    extraEnv: options.serverEnv,
  });
  drops.add(setup.drop);
  const nodeArgs = options.cpuProfDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${path.resolve(options.cpuProfDir)}`,
        `--cpu-prof-name=onboard-${backend}.cpuprofile`,
      ]
    : [];
  const server = await serveOnboard(setup, path.join(dir, 'server.log'), nodeArgs);
  run.firstAnswerMs = server.firstAnswerMs;
  const scenarios = await prepare(setup);
  return { run, url: setup.url, server, scenarios, skip: {}, setup, dir };
}

/** Stops Onboard, then starts it again on the database the run filled, for the time to first answer. */
async function restartOnboard(contender: Contender): Promise<void> {
  const { setup, dir, run } = contender;
  if (!setup || !dir) return;
  const sessions = await countSessions(setup);
  const restarted = await serveOnboard(setup, path.join(dir, 'restart.log'));
  await restarted.stop();
  run.restart = { firstAnswerMs: restarted.firstAnswerMs, sessions };
  log(
    `  ${targetLabels[run.target]}: first answer ${Math.round(run.firstAnswerMs ?? 0)} ms after the first start; ` +
      `${Math.round(restarted.firstAnswerMs)} ms after a restart on ${sessions} sessions`,
  );
}

async function machine(options: Options): Promise<Record<string, string>> {
  const cpus = os.cpus();
  const info: Record<string, string> = {
    cpu: `${cpus[0]?.model ?? 'unknown'} × ${cpus.length}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    'load average at start': os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' '),
  };
  const client = new pg.Client({ connectionString: options.postgresAdminUrl, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    info.postgresql = String((await client.query('SHOW server_version')).rows[0].server_version);
  } catch {
    info.postgresql = 'not reachable';
  } finally {
    await client.end().catch(() => {});
  }
  return info;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!fs.existsSync(cliPath)) throw new Error(`${cliPath} is missing: run npm run build first (npm run bench does)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-bench-'));
  const report: BenchReport = {
    startedAt: new Date().toISOString(),
    machine: await machine(options),
    settings: options.settings,
    scenarios: [],
    captured: {},
    runs: [],
  };
  // The PostgreSQL databases this run made, dropped however it ends.
  const drops = new Set<() => Promise<void>>();
  const cleanUp = async () => {
    killChildren();
    for (const drop of drops) await drop().catch((error: Error) => log(`could not drop a database: ${error.message}`));
    drops.clear();
    if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      void cleanUp().finally(() => process.exit(130));
    });
  }
  try {
    log(`Working in ${work}`);
    // Onboard's answers, from a server of its own, for the ceiling (and ids for the mocks).
    log('Capturing Onboard answers for the ceiling ...');
    const captureDir = fs.mkdtempSync(path.join(work, 'capture-'));
    const captureSetup = await setUpOnboard('sqlite', captureDir, { postgresAdminUrl: '', label: 'capture' });
    const captureServer = await serveOnboard(captureSetup, path.join(captureDir, 'server.log'));
    let scenarios: Scenario[];
    let captured: CapturedResponse[];
    try {
      scenarios = await prepare(captureSetup);
      captured = await capture(captureSetup, scenarios);
    } finally {
      await captureServer.stop();
    }
    report.scenarios = scenarios
      .filter((s) => options.scenarios.includes(s.name))
      .map(({ name, label, api }) => ({ name, label, api }));
    captured.forEach((c, i) => {
      const name = scenarios[i]?.name;
      if (name) report.captured[name] = { status: c.status, bytes: Buffer.byteLength(c.body) };
    });
    const capturedFile = path.join(work, 'captured.json');
    fs.writeFileSync(capturedFile, JSON.stringify(captured));
    for (const c of captured) {
      if (c.status < 200 || c.status > 299)
        log(`  note: Onboard answers ${c.method} ${c.path.split('?')[0]} with ${c.status}`);
    }

    const startCeiling = async (pass: number): Promise<Contender> => {
      const run = emptyRun('ceiling', pass);
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const list10 = scenarios.find((s) => s.name === 'list10') as Scenario;
      const server = await startServer(
        process.execPath,
        [benchFile('ceiling.js'), String(port), capturedFile],
        childEnv({}),
        path.join(work, `ceiling-${pass}.log`),
        { url, path: list10.path, headers: list10.headers, status: 200 },
      );
      run.firstAnswerMs = server.firstAnswerMs;
      return { run, url, server, scenarios, skip: {} };
    };

    // Every server is started first and measured in turn, one endpoint at a time, with the
    // ceiling measured before and after each of them: each ratio divides by the mean of the two
    // ceiling cells around it, taken seconds apart, so that a machine whose load changes (other
    // test suites running) skews the ratios as little as it can.
    const targets = options.targets;
    const contenders: Contender[] = [];
    const ceilingPasses: Contender[] = [];
    try {
      if (targets.includes('ceiling')) {
        log('Starting the node:http ceiling');
        ceilingPasses.push(await startCeiling(1));
      }
      for (const backend of ['sqlite', 'postgres'] as const) {
        if (!targets.includes(backend)) continue;
        log(`Starting Onboard on ${backend}`);
        if (backend === 'postgres' && !(await postgresReachable(options.postgresAdminUrl))) {
          const run = emptyRun(backend, 1);
          run.error = `PostgreSQL is not reachable at ${options.postgresAdminUrl} (set BENCH_PG_URL)`;
          report.runs.push(run);
          log(`  skipped: ${run.error}`);
          continue;
        }
        contenders.push(await startOnboard(backend, work, options, drops));
      }
      for (const mock of ['steady', 'prism'] as MockName[]) {
        if (!targets.includes(mock)) continue;
        const run = emptyRun(mock, 1);
        log(`Starting ${mock} on ${options.openapi}`);
        if (!fs.existsSync(options.openapi)) {
          run.error = `the OpenAPI document ${options.openapi} does not exist (set BENCH_OPENAPI)`;
          report.runs.push(run);
          log(`  skipped: ${run.error}`);
          continue;
        }
        try {
          const started = await startMock(mock, options.openapi, path.join(work, `${mock}.log`), captureSetup.apiKey);
          run.firstAnswerMs = started.server.firstAnswerMs;
          contenders.push({
            run,
            url: started.url,
            server: started.server,
            scenarios,
            skip: { form: 'the hosted form is not in the OpenAPI document' },
          });
        } catch (error) {
          run.error = (error as Error).message.split('\n')[0] ?? 'failed';
          report.runs.push(run);
          log(`  failed: ${(error as Error).message}`);
        }
      }
      for (const contender of contenders) {
        log(`  ${targetLabels[contender.run.target]}: first answer ${Math.round(contender.server.firstAnswerMs)} ms`);
      }
      // One ceiling pass per gap between contenders, sharing the one ceiling server.
      const ceilingServer = ceilingPasses[0];
      if (ceilingServer) {
        for (let pass = 2; pass <= Math.max(1, contenders.length + 1); pass++) {
          ceilingPasses.push({ ...ceilingServer, run: emptyRun('ceiling', pass) });
        }
      }
      report.runs.push(...ceilingPasses.map((c) => c.run), ...contenders.map((c) => c.run));

      for (const scenario of scenarios.filter((s) => options.scenarios.includes(s.name))) {
        log(`${scenario.label}: ${scenario.method} ${scenario.path.split('?')[0]}`);
        // Ceiling pass k is measured after the k-th contender that serves this endpoint.
        let pass = 0;
        const measureCeiling = async () => {
          const ceiling = ceilingPasses[pass];
          if (!ceiling) return undefined;
          await measureOne(ceiling, scenario.name, options);
          pass++;
          return ceiling.run.measurements[scenario.name]?.result.rps;
        };
        let before = await measureCeiling();
        for (const contender of contenders) {
          await measureOne(contender, scenario.name, options);
          if (!contender.run.measurements[scenario.name] || before === undefined) continue;
          const after = await measureCeiling();
          if (after !== undefined) contender.run.ceilingRps[scenario.name] = (before + after) / 2;
          before = after;
        }
      }
    } finally {
      for (const c of [...ceilingPasses.slice(0, 1), ...contenders]) await c.server.stop();
    }
    for (const contender of contenders) if (contender.setup) await restartOnboard(contender);

    report.machine['load average at end'] = os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const machineLines = Object.entries(report.machine).map(([k, v]) => `- ${k}: ${v}`);
    process.stdout.write(`\n${machineLines.join('\n')}\n\n${renderReport(report)}\n`);
    if (options.jsonOut) fs.writeFileSync(options.jsonOut, `${JSON.stringify(report, null, 2)}\n`);
    if (options.keep) log(`\nLogs kept in ${work}`);
  } finally {
    await cleanUp();
  }
}

main().catch((error: Error) => {
  killChildren();
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
