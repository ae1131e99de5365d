/**
 * The load generator, run as a process of its own so that it never shares an event loop with a
 * server: `node load.js '<LoadSpec JSON>'`. It warms up, prints `measuring` on a line of its own
 * (the parent samples the server's memory from then on), measures, and prints one JSON line with
 * the LoadResult.
 */
import { randomUUID } from 'node:crypto';
import autocannon from 'autocannon';
import type { LoadResult, LoadSpec } from './load-spec.js';

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank] as number;
}

function cannon(spec: LoadSpec, durationSeconds: number, onResponse?: (ms: number) => void) {
  const request: autocannon.Request = {
    method: spec.method,
    path: spec.path,
    headers: spec.headers,
    ...(spec.body === undefined ? {} : { body: spec.body }),
  };
  // As the official SDK does for every POST: a fresh Idempotency-Key per request.
  if (spec.uniqueIdempotencyKey) {
    request.setupRequest = (req) => ({
      ...req,
      headers: { ...req.headers, 'idempotency-key': `stainless-node-retry-${randomUUID()}` },
    });
  }
  return new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      { url: spec.url, connections: spec.connections, duration: durationSeconds, requests: [request], timeout: 30 },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    if (onResponse) instance.on('response', (_client, _status, _bytes, responseTime) => onResponse(responseTime));
  });
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  if (spec.warmupSeconds > 0) await cannon(spec, spec.warmupSeconds);
  process.stdout.write('measuring\n');
  // Autocannon's own histogram keeps whole milliseconds; these are exact.
  const latencies: number[] = [];
  const result = await cannon(spec, spec.durationSeconds, (ms) => latencies.push(ms));
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stats.count ?? 0;
  const completed = Object.values(statusCodes).reduce((a, b) => a + b, 0);
  const ok = Object.entries(statusCodes)
    .filter(([code]) => code.startsWith('2'))
    .reduce((a, [, n]) => a + n, 0);
  // No answer at all: every request took longer than the measurement, which is what is reported.
  const floor = result.duration * 1000;
  const at = (p: number) => (sorted.length === 0 ? floor : percentile(sorted, p));
  const summary: LoadResult = {
    durationSeconds: result.duration,
    completed,
    rps: completed / result.duration,
    okRps: ok / result.duration,
    statusCodes,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      mean: sorted.length === 0 ? floor : latencies.reduce((a, b) => a + b, 0) / latencies.length,
      p50: at(50),
      p90: at(90),
      p99: at(99),
      max: at(100),
    },
  };
  process.stdout.write(`${JSON.stringify(summary)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.stack ?? error.message}\n`);
  process.exit(1);
});
