/**
 * `npm run bench:scale`: does the cost of list and retrieve grow with the size of the store?
 * Fills Onboard with 10,000 and with 1,000,000 sessions across 100 groups (bulk SQL, rows as the
 * server writes them), measures retrieve and three list pages through the API at each size, and
 * at the largest size times the expiry sweep and the webhook outbox and measures API latency
 * while they work. See docs/benchmarks.md.
 */
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { deliveryTarget } from '../src/domain/webhook-url.js';
import { createServices } from '../src/services.js';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.js';
import { type Filled, fill, openLikeServer } from './support/fill.js';
import { type Measurement, measure, type Scenario } from './support/measure.js';
import { type Backend, type OnboardSetup, postgresReachable, serveOnboard, setUpOnboard } from './support/onboard.js';
import { cliPath, killChildren, type ServerProcess } from './support/processes.js';

function readOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: 'string' },
      groups: { type: 'string' },
      backends: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'sweep-backlog': { type: 'string' },
      'outbox-backlog': { type: 'string' },
      json: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(
      [
        'npm run bench:scale -- [--sizes 10000,1000000] [--groups 100] [--backends sqlite,postgres] [--duration S]',
        '                       [--warmup S] [--connections N] [--sweep-backlog N] [--outbox-backlog N] [--json FILE]',
        '',
        '  --sizes           sessions in the store, comma-separated; the first is the baseline (BENCH_SCALE_SIZES)',
        '  --groups          groups the sessions are spread over (default 100)',
        '  --backends        sqlite, postgres or both (BENCH_SCALE_BACKENDS, default sqlite)',
        '  --duration        seconds measured per cell (BENCH_DURATION, default 10)',
        '  --warmup          seconds of warm-up per cell (BENCH_WARMUP, default 2)',
        '  --connections     concurrent connections (BENCH_CONNECTIONS, default 50)',
        '  --sweep-backlog   overdue sessions the expiry sweep works through at the largest size (default 100000)',
        '  --outbox-backlog  due webhook deliveries the outbox works through at the largest size (default 20000)',
        '  --json            also write the results as JSON to FILE',
        '',
      ].join('\n'),
    );
    process.exit(0);
  }
  const number = (raw: string | undefined, name: string, fallback: number) => {
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number, not "${raw}"`);
    return n;
  };
  const list = (raw: string | undefined, fallback: string) =>
    (raw ?? fallback)
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  const backends = list(values.backends ?? process.env.BENCH_SCALE_BACKENDS, 'sqlite');
  for (const b of backends) if (b !== 'sqlite' && b !== 'postgres') throw new Error(`unknown backend "${b}"`);
  return {
    sizes: list(values.sizes ?? process.env.BENCH_SCALE_SIZES, '10000,1000000').map((s) => number(s, 'sizes', 0)),
    groups: number(values.groups, 'groups', 100),
    backends: backends as Backend[],
    settings: {
      connections: number(values.connections ?? process.env.BENCH_CONNECTIONS, 'connections', 50),
      warmupSeconds: number(values.warmup ?? process.env.BENCH_WARMUP, 'warmup', 2),
      durationSeconds: number(values.duration ?? process.env.BENCH_DURATION, 'duration', 10),
    },
    sweepBacklog: number(values['sweep-backlog'], 'sweep-backlog', 100_000),
    outboxBacklog: number(values['outbox-backlog'], 'outbox-backlog', 20_000),
    jsonOut: values.json ?? process.env.BENCH_JSON,
    postgresAdminUrl: process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  };
}

type Options = ReturnType<typeof readOptions>;

const log = (message: string) => process.stderr.write(`${message}\n`);

interface SizeResult {
  backend: Backend;
  sessions: number;
  groupSessions: number;
  fillSeconds: number;
  firstAnswerMs: number;
  measurements: Record<string, Measurement>;
}

interface PassTimes {
  medianMs: number;
  maxMs: number;
  passes: number;
}

interface BackgroundResult {
  backend: Backend;
  sessions: number;
  emptySweepPass: PassTimes;
  sweepPass: PassTimes & { rowsPerPass: number };
  outboxClaimPass: PassTimes;
  /** API under load while nothing runs in the background, while the sweep works, while the outbox drains. */
  phases: { label: string; create: Measurement; retrieve: Measurement }[];
  outboxDrained: { deliveries: number; seconds: number };
  /** Overdue sessions the sweep expired while the API was under load, and in how long. */
  swept: { sessions: number; seconds: number };
}

function scaleScenarios(setup: OnboardSetup, filled: Filled): Scenario[] {
  const headers = { authorization: `Bearer ${setup.apiKey}`, accept: 'application/json' };
  const get = (name: Scenario['name'], label: string, p: string): Scenario => ({
    name,
    label,
    api: true,
    method: 'GET',
    path: p,
    headers,
  });
  return [
    get('retrieve', 'Retrieve', `/entity_onboarding_sessions/${filled.retrieveId}`),
    get('list10', 'List, first page (limit 10)', '/entity_onboarding_sessions?limit=10'),
    get(
      'list10',
      'List, half-way down the cursor chain',
      `/entity_onboarding_sessions?limit=10&cursor=${filled.deepCursor}`,
    ),
    get('list10', 'List, filtered: status.in=expired', '/entity_onboarding_sessions?limit=10&status.in=expired'),
  ];
}

function createScenario(setup: OnboardSetup): Scenario {
  return {
    name: 'create',
    label: 'Create',
    api: true,
    method: 'POST',
    path: '/entity_onboarding_sessions',
    headers: {
      authorization: `Bearer ${setup.apiKey}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify({ program_id: setup.programId, redirect_url: 'https://example.com/onboarding/done' }),
    uniqueIdempotencyKey: true,
  };
}

function report(m: Measurement): string {
  const r = m.result;
  const bad =
    r.completed === 0
      ? ' ⚠ no answer at all'
      : r.non2xx + r.errors > 0
        ? ` ⚠ ${JSON.stringify(r.statusCodes)} errors ${r.errors}`
        : '';
  return `${Math.round(r.okRps)} 2xx/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  RSS ${m.rss.peakMb.toFixed(0)} MB${bad}`;
}

async function timePasses(passes: number, pass: () => Promise<unknown>): Promise<PassTimes> {
  const times: number[] = [];
  for (let i = 0; i < passes; i++) {
    const started = performance.now();
    await pass();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)] as number, maxMs: times[times.length - 1] as number, passes };
}

/** Runs SQL against the setup's database outside any server. */
async function withDatabase<T>(setup: OnboardSetup, work: (opened: ReturnType<typeof openLikeServer>) => Promise<T>) {
  const opened = openLikeServer(setup.env);
  try {
    return await work(opened);
  } finally {
    await opened.database.close();
  }
}

/**
 * The expiry sweep and the webhook outbox at this size: the time of one pass of each, run as the
 * server runs them, and the API's latency while the server runs them in the background.
 */
async function background(
  setup: OnboardSetup,
  filled: Filled,
  dir: string,
  sessions: number,
  options: Options,
): Promise<BackgroundResult> {
  const silent = pino({ level: 'silent' });
  const retrieve = scaleScenarios(setup, filled)[0] as Scenario;
  const create = createScenario(setup);
  const phases: BackgroundResult['phases'] = [];
  const underLoad = async (label: string, env: Record<string, string>) => {
    const server = await serveOnboard({ ...setup, env: { ...setup.env, ...env } }, path.join(dir, `${label}.log`));
    try {
      const c = await measure(setup.url, create, server.pid, options.settings);
      log(`  ${label}: create   ${report(c)}`);
      const r = await measure(setup.url, retrieve, server.pid, options.settings);
      log(`  ${label}: retrieve ${report(r)}`);
      phases.push({ label, create: c, retrieve: r });
    } finally {
      await server.stop();
    }
  };

  // Passes timed outside the server, with the same code and settings it runs them with.
  const { emptySweepPass, outboxClaimPass } = await withDatabase(setup, async ({ config, secrets, database }) => {
    const services = createServices(config, database, secrets);
    const dispatcher = new WebhookDispatcher(
      database,
      secrets.encryption,
      deliveryTarget,
      {
        pollIntervalMs: 250,
        timeoutMs: 10_000,
        retryBaseSeconds: 5,
        retryCapSeconds: 3600,
        retryWindowSeconds: 259_200,
        batchSize: 16,
      },
      silent,
    );
    return {
      emptySweepPass: await timePasses(20, () => database.transaction((tx) => services.sessions.expireOverdue(tx))),
      outboxClaimPass: await timePasses(20, () => dispatcher.runOnce()),
    };
  });
  log(`  sweep pass with nothing overdue: median ${emptySweepPass.medianMs.toFixed(2)} ms`);
  log(`  outbox pass with nothing due: median ${outboxClaimPass.medianMs.toFixed(2)} ms`);

  // Baseline: the sweep runs every second but finds nothing; the outbox has nothing due.
  await underLoad('baseline', { ONBOARD_EXPIRY_SWEEP_INTERVAL: '1' });

  // A backlog of overdue sessions (the oldest open ones), as after a long stop of every server.
  const overdue = '2000-01-01T00:00:00.000Z';
  const sweepPass = await withDatabase(setup, async ({ config, secrets, database }) => {
    await database.transaction(async (tx) => {
      const oldest = tx
        .selectFrom('entity_onboarding_sessions')
        .select('id')
        .where('status', '=', 'active')
        .orderBy('created_at')
        .limit(options.sweepBacklog + 10 * 500);
      await tx
        .updateTable('entity_onboarding_sessions')
        .set({ expires_at: overdue })
        .where('id', 'in', oldest)
        .execute();
    });
    const services = createServices(config, database, secrets);
    let rows = 0;
    const times = await timePasses(10, async () => {
      rows += await database.transaction((tx) => services.sessions.expireOverdue(tx));
    });
    return { ...times, rowsPerPass: rows / times.passes };
  });
  log(`  sweep pass over a backlog: median ${sweepPass.medianMs.toFixed(1)} ms for ${sweepPass.rowsPerPass} rows`);
  // Still open but past their time: what the sweep has left to do.
  const overdueLeft = () =>
    withDatabase(setup, async ({ database }) =>
      Number(
        (
          await database.db
            .selectFrom('entity_onboarding_sessions')
            .select((eb) => eb.fn.countAll<number>().as('count'))
            .where('status', '=', 'active')
            .where('expires_at', '<=', new Date().toISOString())
            .executeTakeFirstOrThrow()
        ).count,
      ),
    );
  const backlog = await overdueLeft();
  const sweepStarted = performance.now();
  await underLoad('expiry sweep', { ONBOARD_EXPIRY_SWEEP_INTERVAL: '1' });
  const swept = { sessions: backlog - (await overdueLeft()), seconds: (performance.now() - sweepStarted) / 1000 };
  log(
    `  expiry sweep: ${swept.sessions} of ${backlog} overdue sessions expired in ${swept.seconds.toFixed(0)} s under load`,
  );

  // A backlog of due deliveries to a receiver on loopback that answers 200 at once.
  let received = 0;
  const receiver = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  const receiverPort = typeof address === 'object' && address ? address.port : 0;
  let drained = { deliveries: 0, seconds: 0 };
  try {
    await withDatabase(setup, async ({ database }) => {
      await database.transaction(async (tx) => {
        if (!filled.subscriptionId) throw new Error('the outbox was not filled');
        await tx
          .updateTable('event_subscriptions')
          .set({ url: `http://127.0.0.1:${receiverPort}/hook`, status: 'active' })
          .where('id', '=', filled.subscriptionId)
          .execute();
        const due = tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('event_subscription_id', '=', filled.subscriptionId)
          .orderBy('created_at', 'desc')
          .limit(options.outboxBacklog);
        await tx
          .updateTable('webhook_deliveries')
          .set({ status: 'pending', attempt_count: 0, next_attempt_at: new Date().toISOString(), locked_until: null })
          .where('id', 'in', due)
          .execute();
      });
    });
    const started = performance.now();
    await underLoad('webhook outbox', { ONBOARD_EXPIRY_SWEEP_INTERVAL: '3600' });
    drained = { deliveries: received, seconds: (performance.now() - started) / 1000 };
    log(`  outbox: ${received} deliveries received in ${drained.seconds.toFixed(0)} s while under load`);
  } finally {
    receiver.close();
  }
  return {
    backend: setup.backend,
    sessions,
    emptySweepPass,
    sweepPass,
    outboxClaimPass,
    phases,
    outboxDrained: drained,
    swept,
  };
}

/** One size's store: filled, not yet served. */
interface Store {
  sessions: number;
  setup: OnboardSetup;
  filled: Filled;
  dir: string;
}

async function fillStore(backend: Backend, sessions: number, work: string, options: Options): Promise<Store> {
  const dir = fs.mkdtempSync(path.join(work, `${backend}-${sessions}-`));
  const setup = await setUpOnboard(backend, dir, {
    postgresAdminUrl: options.postgresAdminUrl,
    label: `scale_${sessions}`,
    // No sweep while reads are measured: its effect is measured on its own.
    extraEnv: { ONBOARD_EXPIRY_SWEEP_INTERVAL: '3600' },
  });
  try {
    log(`${backend}: filling ${sessions.toLocaleString('en-US')} sessions across ${options.groups} groups`);
    const filled = await fill(
      setup.env,
      { programId: setup.programId },
      { sessions, groups: options.groups, withOutbox: true },
      log,
    );
    log(`  filled in ${filled.seconds.toFixed(0)} s; the measured group holds ${filled.groupSessions} sessions`);
    return { sessions, setup, filled, dir };
  } catch (error) {
    await setup.drop();
    throw error;
  }
}

/**
 * Serves every size at once and measures them in turn, one request at a time, in the order
 * small, large, large, small, so that a change in the machine's load (other test suites) falls
 * on both sizes alike; each cell is the mean of its two rounds.
 */
async function measureSizes(backend: Backend, stores: Store[], options: Options): Promise<SizeResult[]> {
  const servers: ServerProcess[] = [];
  const results: SizeResult[] = [];
  try {
    for (const store of stores) {
      const server = await serveOnboard(store.setup, path.join(store.dir, 'server.log'));
      servers.push(server);
      log(
        `  ${store.sessions.toLocaleString('en-US')} sessions: first answer ${Math.round(server.firstAnswerMs)} ms after start`,
      );
      results.push({
        backend,
        sessions: store.sessions,
        groupSessions: store.filled.groupSessions,
        fillSeconds: store.filled.seconds,
        firstAnswerMs: server.firstAnswerMs,
        measurements: {},
      });
    }
    const order = [...stores.keys(), ...[...stores.keys()].reverse()];
    const labels = scaleScenarios(stores[0]?.setup as OnboardSetup, stores[0]?.filled as Filled).map((s) => s.label);
    for (const label of labels) {
      const rounds: Measurement[][] = stores.map(() => []);
      for (const i of order) {
        const store = stores[i] as Store;
        const scenario = scaleScenarios(store.setup, store.filled).find((s) => s.label === label) as Scenario;
        const m = await measure(store.setup.url, scenario, (servers[i] as ServerProcess).pid, options.settings);
        rounds[i]?.push(m);
        log(`  ${store.sessions.toLocaleString('en-US').padStart(9)}  ${label.padEnd(40)} ${report(m)}`);
      }
      rounds.forEach((ms, i) => {
        (results[i] as SizeResult).measurements[label] = meanOf(ms);
      });
    }
  } finally {
    for (const server of servers) await server.stop();
  }
  return results;
}

/** The mean of repeated measurements of one cell (rates and latencies averaged). */
function meanOf(ms: Measurement[]): Measurement {
  const first = ms[0] as Measurement;
  const avg = (f: (m: Measurement) => number) => ms.reduce((a, m) => a + f(m), 0) / ms.length;
  const statusCodes: Record<string, number> = {};
  for (const m of ms)
    for (const [c, n] of Object.entries(m.result.statusCodes)) statusCodes[c] = (statusCodes[c] ?? 0) + n;
  return {
    result: {
      ...first.result,
      durationSeconds: avg((m) => m.result.durationSeconds),
      completed: avg((m) => m.result.completed),
      rps: avg((m) => m.result.rps),
      okRps: avg((m) => m.result.okRps),
      statusCodes,
      non2xx: avg((m) => m.result.non2xx),
      errors: avg((m) => m.result.errors),
      timeouts: avg((m) => m.result.timeouts),
      latencyMs: {
        mean: avg((m) => m.result.latencyMs.mean),
        p50: avg((m) => m.result.latencyMs.p50),
        p90: avg((m) => m.result.latencyMs.p90),
        p99: avg((m) => m.result.latencyMs.p99),
        max: Math.max(...ms.map((m) => m.result.latencyMs.max)),
      },
    },
    rss: { peakMb: Math.max(...ms.map((m) => m.rss.peakMb)), meanMb: avg((m) => m.rss.meanMb) },
    cpuPerRequestUs: avg((m) => m.cpuPerRequestUs),
  };
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const latency = (m: Measurement) =>
  m.result.completed === 0
    ? `no answer in ${m.result.durationSeconds.toFixed(0)} s`
    : `${ms(m.result.latencyMs.p50)} / ${ms(m.result.latencyMs.p99)}`;
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function render(sizes: SizeResult[], backgrounds: BackgroundResult[], options: Options): string {
  const out: string[] = [];
  const s = options.settings;
  out.push(
    `${s.connections} connections, ${s.warmupSeconds} s warm-up, ${s.durationSeconds} s measured per cell; ` +
      `sessions spread over ${options.groups} groups, measured as one group's API key. Every size is served at once and ` +
      'measured in the order small, large, large, small; each cell is the mean of its two rounds.',
  );
  for (const backend of options.backends) {
    const rows = sizes.filter((r) => r.backend === backend);
    const base = rows[0];
    if (!base) continue;
    const others = rows.slice(1);
    out.push('', `### ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: cost against size`, '');
    const header = [
      'Request',
      ...rows.map((r) => `${int(r.sessions)} sessions: 2xx/s, p50 / p99 ms`),
      ...others.map((r) => `cost at ${int(r.sessions)} ÷ cost at ${int(base.sessions)}`),
    ];
    const lines = Object.keys(base.measurements).map((label) => {
      const cells = rows.map((r) => {
        const m = r.measurements[label];
        return m
          ? `${int(m.result.okRps)}, ${ms(m.result.latencyMs.p50)} / ${ms(m.result.latencyMs.p99)}${m.result.non2xx + m.result.errors > 0 ? ' ⚠' : ''}`
          : '–';
      });
      const ratios = others.map((r) => {
        const a = base.measurements[label];
        const b = r.measurements[label];
        // Cost per request at saturation is the inverse of throughput.
        return a && b && b.result.okRps > 0 ? `**${(a.result.okRps / b.result.okRps).toFixed(2)}×**` : '–';
      });
      return [label, ...cells, ...ratios];
    });
    lines.push([
      'Time to first answer after start',
      ...rows.map((r) => `${int(r.firstAnswerMs)} ms`),
      ...others.map((r) => `${(r.firstAnswerMs / base.firstAnswerMs).toFixed(2)}×`),
    ]);
    lines.push(['Fill time (bulk SQL)', ...rows.map((r) => `${int(r.fillSeconds)} s`), ...others.map(() => '')]);
    out.push(row(header), row(header.map(() => '---')), ...lines.map(row));
  }
  for (const b of backgrounds) {
    out.push(
      '',
      `### ${b.backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: expiry sweep and webhook outbox at ${int(b.sessions)} sessions`,
      '',
      row(['Pass', 'Median', 'Max']),
      row(['---', '---', '---']),
      row(['Expiry sweep, nothing overdue', `${ms(b.emptySweepPass.medianMs)} ms`, `${ms(b.emptySweepPass.maxMs)} ms`]),
      row([
        `Expiry sweep over a backlog (${int(b.sweepPass.rowsPerPass)} sessions per pass)`,
        `${ms(b.sweepPass.medianMs)} ms`,
        `${ms(b.sweepPass.maxMs)} ms`,
      ]),
      row([
        'Webhook outbox claim, nothing due',
        `${ms(b.outboxClaimPass.medianMs)} ms`,
        `${ms(b.outboxClaimPass.maxMs)} ms`,
      ]),
      '',
      row(['While the server runs', 'Create 2xx/s', 'Create p50 / p99 ms', 'Retrieve 2xx/s', 'Retrieve p50 / p99 ms']),
      row(['---', '---', '---', '---', '---']),
      ...b.phases.map((p) =>
        row([
          p.label,
          int(p.create.result.okRps),
          latency(p.create),
          int(p.retrieve.result.okRps),
          latency(p.retrieve),
        ]),
      ),
      '',
      `Sweep: ${int(b.swept.sessions)} overdue sessions expired in ${b.swept.seconds.toFixed(0)} s ` +
        `(${int(b.swept.sessions / Math.max(1, b.swept.seconds))} per second) while the API was under load, ` +
        'each announced by an Event.',
      '',
      `Outbox: ${int(b.outboxDrained.deliveries)} deliveries received by a loopback receiver in ${b.outboxDrained.seconds.toFixed(0)} s ` +
        `(${int(b.outboxDrained.deliveries / Math.max(1, b.outboxDrained.seconds))} per second) while the API was under load: ` +
        `the ${int(options.outboxBacklog)} made due, and those of the sessions created meanwhile (the subscription is active then).`,
    );
  }
  return out.join('\n');
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

async function main(): Promise<void> {
  const options = readOptions();
  if (!fs.existsSync(cliPath))
    throw new Error(`${cliPath} is missing: run npm run build first (npm run bench:scale does)`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'onboard-bench-scale-'));
  const cleanUp = () => {
    killChildren();
    fs.rmSync(work, { recursive: true, force: true });
  };
  process.once('SIGINT', () => {
    cleanUp();
    process.exit(130);
  });
  const sizes: SizeResult[] = [];
  const backgrounds: BackgroundResult[] = [];
  try {
    for (const backend of options.backends) {
      if (backend === 'postgres' && !(await postgresReachable(options.postgresAdminUrl))) {
        log(`postgres: skipped, not reachable at ${options.postgresAdminUrl} (set BENCH_PG_URL)`);
        continue;
      }
      const stores: Store[] = [];
      try {
        for (const size of options.sizes) stores.push(await fillStore(backend, size, work, options));
        sizes.push(...(await measureSizes(backend, stores, options)));
        const largest = stores[stores.length - 1];
        if (largest) {
          log(`${backend}: expiry sweep and webhook outbox at ${largest.sessions.toLocaleString('en-US')} sessions`);
          backgrounds.push(await background(largest.setup, largest.filled, largest.dir, largest.sessions, options));
        }
      } finally {
        for (const store of stores) await store.setup.drop();
      }
    }
    const cpus = os.cpus();
    process.stdout.write(
      `\n- cpu: ${cpus[0]?.model ?? 'unknown'} × ${cpus.length}\n- node: ${process.version}\n- load average at end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n\n${render(sizes, backgrounds, options)}\n`,
    );
    if (options.jsonOut) fs.writeFileSync(options.jsonOut, `${JSON.stringify({ sizes, backgrounds }, null, 2)}\n`);
  } finally {
    cleanUp();
  }
}

main().catch((error: Error) => {
  killChildren();
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
