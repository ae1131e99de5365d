import type { Measurement, Scenario } from './measure.js';

export type TargetName = 'ceiling' | 'sqlite' | 'postgres' | 'steady' | 'prism';

export const targetLabels: Record<TargetName, string> = {
  ceiling: 'node:http ceiling',
  sqlite: 'Onboard, SQLite',
  postgres: 'Onboard, PostgreSQL',
  steady: 'Steady',
  prism: 'Prism',
};

/** One server's part of a run. */
export interface TargetRun {
  target: TargetName;
  /** Which run of this target (the ceiling is measured first and last, to show drift). */
  pass: number;
  measurements: Partial<Record<Scenario['name'], Measurement>>;
  /** The ceiling's requests per second around each of this server's cells (mean of the one before and after). */
  ceilingRps: Partial<Record<Scenario['name'], number>>;
  /** Scenarios not measured on this server, and why. */
  skipped: Partial<Record<Scenario['name'], string>>;
  /** Milliseconds from spawn to the first answer to an API read. */
  firstAnswerMs: number | null;
  /** Onboard only: a restart on the database the run filled, and how many sessions it held. */
  restart: { firstAnswerMs: number; sessions: number } | null;
  /** Why the server could not be measured at all. */
  error: string | null;
}

export interface BenchReport {
  startedAt: string;
  machine: Record<string, string>;
  settings: { connections: number; warmupSeconds: number; durationSeconds: number };
  scenarios: Pick<Scenario, 'name' | 'label' | 'api'>[];
  /** The status and size of what the ceiling answers for each scenario (Onboard's own answer). */
  captured: Partial<Record<Scenario['name'], { status: number; bytes: number }>>;
  runs: TargetRun[];
}

const ok = (status: number) => status >= 200 && status < 300;

/** The requests per second that count: 2xx answers, unless Onboard's own answer was not a 2xx. */
function servedRps(report: BenchReport, scenario: Scenario['name'], m: Measurement): number {
  const captured = report.captured[scenario];
  return captured && !ok(captured.status) ? m.result.rps : m.result.okRps;
}

/** The ceiling's requests per second for a scenario: the mean of its passes in this run. */
export function ceilingRps(report: BenchReport, scenario: Scenario['name']): number | null {
  const values = report.runs
    .filter((r) => r.target === 'ceiling')
    .map((r) => r.measurements[scenario]?.result.rps)
    .filter((v): v is number => v !== undefined);
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** A measurement's share of the ceiling, 0..1. */
export function ratio(report: BenchReport, target: TargetName, scenario: Scenario['name']): number | null {
  const run = report.runs.find((r) => r.target === target);
  const m = run?.measurements[scenario];
  const ceiling = run?.ceilingRps[scenario] ?? ceilingRps(report, scenario);
  if (!m || !ceiling) return null;
  return servedRps(report, scenario, m) / ceiling;
}

/** What was wrong with a measurement's answers, or null: non-2xx answers, errors, timeouts. */
export function anomaly(m: Measurement): string | null {
  const bad = Object.entries(m.result.statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .map(([code, n]) => `${n.toLocaleString('en-US')} × ${code}`);
  if (m.result.errors > 0) bad.push(`${m.result.errors} errors (${m.result.timeouts} timeouts)`);
  if (m.result.completed === 0) bad.push('no answer at all during the measurement');
  return bad.length > 0 ? bad.join(', ') : null;
}

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const pct = (n: number) => `${(n * 100).toFixed(n < 0.1 ? 1 : 0)} %`;

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function table(header: string[], rows: string[][]): string {
  return [row(header), row(header.map(() => '---')), ...rows.map(row)].join('\n');
}

/** Servers in the column order of the tables; the ceiling's passes collapse into one column. */
function columns(report: BenchReport): TargetName[] {
  const order: TargetName[] = ['ceiling', 'sqlite', 'postgres', 'steady', 'prism'];
  return order.filter((t) => report.runs.some((r) => r.target === t));
}

function firstRun(report: BenchReport, target: TargetName): TargetRun | undefined {
  return report.runs.find((r) => r.target === target);
}

export function renderReport(report: BenchReport): string {
  const targets = columns(report);
  const out: string[] = [];
  const s = report.settings;
  out.push(
    `Run of ${report.startedAt}: ${s.connections} connections, ${s.warmupSeconds} s warm-up, ${s.durationSeconds} s measured per cell.`,
    '',
    '### Throughput: requests per second, and share of the node:http ceiling measured in this run',
    '',
  );
  const flagged: string[] = [];
  out.push(
    table(
      ['Endpoint', ...targets.map((t) => targetLabels[t])],
      report.scenarios.map((scenario) => {
        const captured = report.captured[scenario.name];
        const label =
          captured && !ok(captured.status) ? `${scenario.label} ⚠ Onboard answers ${captured.status}` : scenario.label;
        return [
          label,
          ...targets.map((target) => {
            if (target === 'ceiling') {
              const rps = ceilingRps(report, scenario.name);
              return rps === null ? '–' : `${int(rps)}`;
            }
            const run = firstRun(report, target);
            const m = run?.measurements[scenario.name];
            if (!run || !m) return run?.skipped[scenario.name] ? 'not served' : '–';
            const r = ratio(report, target, scenario.name);
            const bad = anomaly(m);
            if (bad) flagged.push(`${targetLabels[target]}, ${scenario.label}: ${bad}`);
            const rps = m.result.okRps > 0 || !bad ? m.result.okRps : m.result.rps;
            return `${int(rps)}${r === null ? '' : ` · **${pct(r)}**`}${bad ? ' ⚠' : ''}`;
          }),
        ];
      }),
    ),
  );
  /** A table of one cell per endpoint and server, '–' where that server has no measurement. */
  const byEndpoint = (cell: (m: Measurement) => string) =>
    table(
      ['Endpoint', ...targets.map((t) => targetLabels[t])],
      report.scenarios.map((scenario) => [
        scenario.label,
        ...targets.map((target) => {
          const m = firstRun(report, target)?.measurements[scenario.name];
          return m ? cell(m) : '–';
        }),
      ]),
    );
  out.push(
    '',
    '### Latency at the same load: p50 / p99, milliseconds',
    '',
    byEndpoint((m) => `${ms(m.result.latencyMs.p50)} / ${ms(m.result.latencyMs.p99)}`),
  );
  out.push(
    '',
    "### The server's CPU time per request, microseconds (+ PostgreSQL's own, where it runs on this machine)",
    '',
    byEndpoint((m) => {
      const server = Number.isFinite(m.cpuPerRequestUs) ? int(m.cpuPerRequestUs) : '–';
      const postgres = m.postgresCpuPerRequestUs;
      return postgres === undefined || !Number.isFinite(postgres) ? server : `${server} + ${int(postgres)}`;
    }),
  );
  out.push(
    '',
    '### Servers: resident memory under load, and time to first answer',
    '',
    table(
      [
        'Server',
        'RSS under load, peak (mean) MB',
        'First answer after start',
        'First answer, restart on the filled database',
      ],
      targets.map((target) => {
        const runs = report.runs.filter((r) => r.target === target);
        const all = runs.flatMap((r) => Object.values(r.measurements));
        const peak = Math.max(...all.map((m) => m.rss.peakMb));
        const mean = all.reduce((a, m) => a + m.rss.meanMb, 0) / Math.max(1, all.length);
        const run = runs[0];
        return [
          targetLabels[target],
          all.length > 0 ? `${peak.toFixed(0)} (${mean.toFixed(0)})` : '–',
          run?.firstAnswerMs == null ? '–' : `${int(run.firstAnswerMs)} ms`,
          run?.restart ? `${int(run.restart.firstAnswerMs)} ms (${int(run.restart.sessions)} sessions)` : '–',
        ];
      }),
    ),
  );
  const ceilings = report.runs.filter((r) => r.target === 'ceiling');
  if (ceilings.length > 1) {
    const spread = report.scenarios
      .map((scenario) => {
        const values = ceilings
          .map((r) => r.measurements[scenario.name]?.result.rps)
          .filter((v): v is number => v !== undefined);
        if (values.length < 2) return null;
        return `${scenario.name} ${int(Math.min(...values))}–${int(Math.max(...values))}`;
      })
      .filter(Boolean);
    out.push(
      '',
      `The ceiling column is the mean of ${ceilings.length} passes per endpoint, one before and after each server; ` +
        `each share divides by the two passes around that server's cell. Range of the passes (req/s): ${spread.join(', ')}.`,
    );
  }
  const errors = report.runs.filter((r) => r.error).map((r) => `${targetLabels[r.target]}: ${r.error}`);
  const skipped = report.runs.flatMap((r) =>
    Object.entries(r.skipped).map(([name, why]) => `${targetLabels[r.target]}, ${name}: ${why}`),
  );
  if (flagged.length + errors.length + skipped.length > 0) {
    out.push('', '### Flags', '', ...[...flagged, ...errors, ...skipped].map((f) => `- ${f}`));
  }
  out.push('', '### Targets', '', table(['Target', 'Measured', 'Met'], targetChecks(report)));
  return out.join('\n');
}

/** The issue's targets, each with what this run measured and whether it was met. */
export function targetChecks(report: BenchReport): string[][] {
  const rows: string[][] = [];
  const verdict = (met: boolean | null) => (met === null ? 'not measured' : met ? 'yes' : '**no**');
  const share = (target: TargetName, scenario: Scenario['name'], floor: number, label: string) => {
    const r = ratio(report, target, scenario);
    const m = firstRun(report, target)?.measurements[scenario];
    const valid = m ? anomaly(m) === null : false;
    rows.push([
      `${label}, ${targetLabels[target]}: ≥ ${pct(floor)} of the ceiling`,
      r === null ? '–' : `${pct(r)}${valid ? '' : ' ⚠ non-2xx answers'}`,
      verdict(r === null ? null : r >= floor && valid),
    ]);
  };
  for (const target of ['sqlite', 'postgres'] as const) {
    if (!firstRun(report, target)) continue;
    share(target, 'create', 0.3, 'Create');
    share(target, 'retrieve', 0.5, 'Retrieve');
    share(target, 'list10', 0.4, 'List, limit 10');
  }
  const steady = ratio(report, 'steady', 'create');
  const sqliteCreate = ratio(report, 'sqlite', 'create');
  if (steady !== null && sqliteCreate !== null) {
    rows.push([
      'Create, Onboard SQLite: at least twice Steady',
      `${(sqliteCreate / steady).toFixed(2)}× Steady`,
      verdict(sqliteCreate >= 2 * steady),
    ]);
  }
  for (const [target, limit] of [
    ['sqlite', 10],
    ['postgres', 20],
  ] as const) {
    const run = firstRun(report, target);
    if (!run) continue;
    const api = report.scenarios.filter((s) => s.api).map((s) => run.measurements[s.name]);
    const worst = Math.max(...api.map((m) => m?.result.latencyMs.p99 ?? Number.NaN));
    rows.push([
      `p99 of every API endpoint, ${targetLabels[target]}: < ${limit} ms`,
      Number.isNaN(worst) ? '–' : `worst ${ms(worst)} ms`,
      verdict(Number.isNaN(worst) ? null : worst < limit),
    ]);
  }
  for (const target of ['sqlite', 'postgres'] as const) {
    const run = firstRun(report, target);
    if (!run) continue;
    const peak = Math.max(...Object.values(run.measurements).map((m) => m.rss.peakMb));
    rows.push([
      `Resident memory under load, ${targetLabels[target]}: < 150 MB`,
      `${peak.toFixed(0)} MB peak`,
      verdict(peak < 150),
    ]);
    rows.push([
      `First answer after start on an existing database, ${targetLabels[target]}: ≤ 0.5 s`,
      run.restart ? `${int(run.restart.firstAnswerMs)} ms` : '–',
      verdict(run.restart ? run.restart.firstAnswerMs <= 500 : null),
    ]);
  }
  return rows;
}
