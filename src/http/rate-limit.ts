/**
 * A token bucket per key (an API key, a form session): `perSecond` requests each second, with
 * bursts of up to `burst` (one second's worth unless set). Kept in memory, so each server
 * process counts on its own.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; updatedAt: number }>();

  constructor(
    private readonly perSecond: number,
    private readonly burst = perSecond,
  ) {}

  /** Takes one request's token; returns 0 when allowed, else whole seconds until one is free. */
  take(key: string, now = Date.now()): number {
    if (this.buckets.size > 10_000) this.forgetFull(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, updatedAt: now };
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.perSecond));
  }

  /** Drops buckets that have refilled: they hold nothing a new bucket would not. */
  private forgetFull(now: number) {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.updatedAt) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
