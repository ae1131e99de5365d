import type { LoadResult, LoadSpec } from './load-spec.js';
import { cpuSeconds, postgresCpuSeconds, RssSampler } from './proc.js';
import { spawnLoad } from './processes.js';

/** One kind of request the benchmark sends. */
export interface Scenario {
  name: 'create' | 'retrieve' | 'list10' | 'list100' | 'form';
  label: string;
  /** An API endpoint (held to the API's targets), rather than the hosted form. */
  api: boolean;
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
  uniqueIdempotencyKey?: boolean;
}

export interface Measurement {
  result: LoadResult;
  /** The server's resident memory while the load ran. */
  rss: { peakMb: number; meanMb: number };
  /**
   * The server process's CPU time (all its threads, user and system) per response of the
   * measured phase, in microseconds: what a request costs, less sensitive than the rate to how
   * busy the other core is. A database server's own processes are not counted.
   */
  cpuPerRequestUs: number;
  /**
   * For Onboard on PostgreSQL, PostgreSQL's CPU time per response of the measured phase, in
   * microseconds: its processes on this machine, which share its cores with the server and the
   * load. Absent for other servers, and when PostgreSQL runs on another machine.
   */
  postgresCpuPerRequestUs?: number;
}

export interface LoadSettings {
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

/**
 * Runs one scenario against a server from a load-generator process of its own, sampling the
 * server's resident memory and CPU time while the measured phase runs, and PostgreSQL's CPU
 * time when the server uses it (`onPostgres`).
 */
export async function measure(
  url: string,
  scenario: Scenario,
  serverPid: number,
  settings: LoadSettings,
  onPostgres = false,
): Promise<Measurement> {
  const spec: LoadSpec = {
    url,
    method: scenario.method,
    path: scenario.path,
    headers: scenario.headers,
    ...(scenario.body === undefined ? {} : { body: scenario.body }),
    uniqueIdempotencyKey: scenario.uniqueIdempotencyKey ?? false,
    ...settings,
  };
  const sampler = new RssSampler(serverPid);
  let sampling = false;
  let line: string;
  let rss = { peakMb: Number.NaN, meanMb: Number.NaN };
  let cpuAtStart = Number.NaN;
  let cpuUsed = Number.NaN;
  let postgresAtStart = Number.NaN;
  let postgresUsed = Number.NaN;
  try {
    line = await spawnLoad(JSON.stringify(spec), () => {
      sampling = true;
      sampler.start();
      cpuAtStart = cpuSeconds(serverPid);
      if (onPostgres) postgresAtStart = postgresCpuSeconds();
    });
  } finally {
    if (sampling) {
      rss = sampler.stop();
      cpuUsed = cpuSeconds(serverPid) - cpuAtStart;
      if (onPostgres) postgresUsed = postgresCpuSeconds() - postgresAtStart;
    }
  }
  const result = JSON.parse(line) as LoadResult;
  const perRequestUs = (seconds: number) => (result.completed > 0 ? (seconds / result.completed) * 1e6 : Number.NaN);
  const measurement: Measurement = { result, rss, cpuPerRequestUs: perRequestUs(cpuUsed) };
  // No PostgreSQL process here (it runs elsewhere) shows as no time at all.
  if (postgresUsed > 0) measurement.postgresCpuPerRequestUs = perRequestUs(postgresUsed);
  return measurement;
}

/** The requests of the comparison, for a server holding `retrieveId` and the form at `formPath`. */
export function comparisonScenarios(ids: {
  apiKey: string;
  programId: string;
  retrieveId: string;
  formPath: string;
}): Scenario[] {
  const auth = { authorization: `Bearer ${ids.apiKey}`, accept: 'application/json' };
  return [
    {
      name: 'create',
      label: 'Create session',
      api: true,
      method: 'POST',
      path: '/entity_onboarding_sessions',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ program_id: ids.programId, redirect_url: 'https://example.com/onboarding/done' }),
      uniqueIdempotencyKey: true,
    },
    {
      name: 'retrieve',
      label: 'Retrieve session',
      api: true,
      method: 'GET',
      path: `/entity_onboarding_sessions/${ids.retrieveId}`,
      headers: auth,
    },
    {
      name: 'list10',
      label: 'List sessions, limit 10',
      api: true,
      method: 'GET',
      path: '/entity_onboarding_sessions?limit=10',
      headers: auth,
    },
    {
      name: 'list100',
      label: 'List sessions, limit 100',
      api: true,
      method: 'GET',
      path: '/entity_onboarding_sessions?limit=100',
      headers: auth,
    },
    {
      name: 'form',
      label: "Form's first page",
      api: false,
      method: 'GET',
      path: ids.formPath,
      headers: { accept: 'text/html' },
    },
  ];
}
