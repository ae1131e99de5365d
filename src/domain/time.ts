/** Now as stored: ISO-8601 UTC with milliseconds (fixed width, sorts as text). */
export function nowTimestamp(): string {
  return new Date().toISOString();
}

/** A stored timestamp as Increase shows it: to the second, in UTC. */
export function wireTimestamp(stored: string): string {
  return `${stored.slice(0, 19)}Z`;
}

/** A stored timestamp `seconds` later than `stored`. */
export function addSeconds(stored: string, seconds: number): string {
  return new Date(Date.parse(stored) + seconds * 1000).toISOString();
}
