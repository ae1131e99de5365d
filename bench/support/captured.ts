/** One answer of Onboard's, kept so that the ceiling server can answer with the same bytes. */
export interface CapturedResponse {
  method: 'GET' | 'POST';
  /** Path and query string, exactly as the benchmark sends it. */
  path: string;
  status: number;
  /** The headers Onboard sent, less those Node.js adds itself (date, connection, keep-alive). */
  headers: [string, string][];
  body: string;
}
