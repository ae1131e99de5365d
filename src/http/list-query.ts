import { FieldErrors } from '../domain/errors.js';
import type { CreatedAtFilter, Page, PagePosition, PageRequest } from '../storage/pagination.js';

/** The raw query string of a list request. Repeated parameters arrive as arrays. */
export type RawQuery = Record<string, string | string[] | undefined>;

const single = (value: string | string[] | undefined) => (Array.isArray(value) ? value[value.length - 1] : value);

export const maxPageSize = 100;

function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

function decodeCursor(cursor: string): PagePosition | null {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(decoded) &&
      decoded.length === 2 &&
      typeof decoded[0] === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(decoded[0]) &&
      typeof decoded[1] === 'string' &&
      /^[a-z_]+_[a-z0-9]{20}$/.test(decoded[1])
    ) {
      return { createdAt: decoded[0], id: decoded[1] };
    }
  } catch {}
  return null;
}

/**
 * Reads a list request's query: paging (`cursor`, `limit`), `status.in`-style enum lists,
 * `created_at.*` bounds and `idempotency_key`. Every bad parameter is named in one 400.
 */
export class ListQuery {
  private readonly errors = new FieldErrors();

  constructor(private readonly query: RawQuery) {}

  page(): PageRequest {
    const rawLimit = single(this.query.limit);
    let limit = maxPageSize;
    if (rawLimit !== undefined) {
      if (/^\d+$/.test(rawLimit) && Number(rawLimit) >= 1 && Number(rawLimit) <= maxPageSize) limit = Number(rawLimit);
      else this.errors.add('limit', `must be a whole number from 1 to ${maxPageSize}`);
    }
    const rawCursor = single(this.query.cursor);
    let after: PagePosition | null = null;
    if (rawCursor !== undefined && rawCursor !== '') {
      after = decodeCursor(rawCursor);
      if (!after) this.errors.add('cursor', 'is not a cursor this list returned');
    }
    return { limit, after };
  }

  /** A comma-delimited (or repeated) list of enum values, such as `status.in=active,expired`. */
  enumList<T extends string>(name: string, allowed: readonly T[]): T[] | undefined {
    const raw = this.query[name];
    if (raw === undefined) return undefined;
    const values = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => v.split(',')).filter((v) => v !== '');
    const bad = values.filter((v) => !allowed.includes(v as T));
    if (bad.length > 0 || values.length === 0) {
      this.errors.add(name, `must be a comma-separated list of ${allowed.join(', ')}`);
      return undefined;
    }
    return values as T[];
  }

  /** A string between 1 and `maxLength` characters, such as `idempotency_key`. */
  text(name: string, maxLength = 200): string | undefined {
    const value = single(this.query[name]);
    if (value === undefined) return undefined;
    if (value.length < 1 || value.length > maxLength) {
      this.errors.add(name, `must be between 1 and ${maxLength} characters`);
      return undefined;
    }
    return value;
  }

  /**
   * `created_at.after`, `.before`, `.on_or_after`, `.on_or_before`, as a stored window. Objects
   * show created_at to the second, so a bound compares with what the caller sees: an object
   * created at 12:00:00.700 is "on or before 12:00:00" and not "after 12:00:00".
   */
  createdAt(): CreatedAtFilter {
    const bound = (suffix: string) => {
      const name = `created_at.${suffix}`;
      const value = single(this.query[name]);
      if (value === undefined) return undefined;
      const time = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/.test(value) ? Date.parse(value) : NaN;
      if (Number.isNaN(time)) {
        this.errors.add(name, 'must be an ISO 8601 date and time, such as 2026-01-31T23:59:59Z');
        return undefined;
      }
      return time;
    };
    const second = 1000;
    const floor = (t: number) => Math.floor(t / second) * second;
    const ceil = (t: number) => Math.ceil(t / second) * second;
    const after = bound('after');
    const onOrAfter = bound('on_or_after');
    const before = bound('before');
    const onOrBefore = bound('on_or_before');
    const lower = [
      after === undefined ? undefined : floor(after) + second,
      onOrAfter === undefined ? undefined : ceil(onOrAfter),
    ];
    const upper = [
      before === undefined ? undefined : ceil(before),
      onOrBefore === undefined ? undefined : floor(onOrBefore) + second,
    ];
    const stored = (t: number) => new Date(t).toISOString();
    const from = lower.filter((t) => t !== undefined);
    const until = upper.filter((t) => t !== undefined);
    return {
      from: from.length > 0 ? stored(Math.max(...from)) : undefined,
      until: until.length > 0 ? stored(Math.min(...until)) : undefined,
    };
  }

  /** Throws the 400 naming every bad parameter read so far. */
  check(): void {
    this.errors.throwIfAny();
  }
}

/** A page as Increase lists it: `{ data, next_cursor }`, with no cursor on the last page. */
export function listResponse<T>(page: Page<T>): { data: T[]; next_cursor: string | null } {
  return { data: page.data, next_cursor: page.next ? encodeCursor(page.next) : null };
}
