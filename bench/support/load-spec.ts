/** What one measurement sends: one request shape, at a number of connections, for a time. */
export interface LoadSpec {
  /** Origin of the server, such as http://127.0.0.1:4610. */
  url: string;
  method: 'GET' | 'POST';
  /** Path and query string. */
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Give every request its own `Idempotency-Key`, as the official SDK does for POSTs. */
  uniqueIdempotencyKey?: boolean;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

/** What one measurement saw. */
export interface LoadResult {
  durationSeconds: number;
  /** Responses received, whatever their status. */
  completed: number;
  /** Responses per second, whatever their status. */
  rps: number;
  /** 2xx responses per second: what the tables compare. */
  okRps: number;
  /** Responses by status code. */
  statusCodes: Record<string, number>;
  non2xx: number;
  /** Connection errors, timeouts included. */
  errors: number;
  timeouts: number;
  /**
   * Exact latencies of the measured phase, in milliseconds; with no answer at all, each is the
   * length of the measurement (a lower bound).
   */
  latencyMs: { mean: number; p50: number; p90: number; p99: number; max: number };
}
