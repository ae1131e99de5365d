import { type SelectQueryBuilder, sql } from 'kysely';

/** Where a page starts: after this row in newest-first order. */
export interface PagePosition {
  createdAt: string;
  id: string;
}

/** A request for one page of a newest-first list. */
export interface PageRequest {
  limit: number;
  after: PagePosition | null;
}

export interface Page<T> {
  data: T[];
  next: PagePosition | null;
}

/**
 * Keyset pagination over (created_at, id), newest first. Each page is one index range scan
 * that starts where the last one stopped, so page 10,000 costs what page 1 does.
 */
// biome-ignore lint/suspicious/noExplicitAny: the helper serves every table that has these columns
export function keysetPage<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, page: PageRequest): QB {
  let query = qb;
  if (page.after) {
    query = query.where(sql<boolean>`(created_at, id) < (${page.after.createdAt}, ${page.after.id})`) as QB;
  }
  // One extra row tells whether there is a next page, so the last page has no next cursor. It is
  // added in SQL, so that the limit is bound as given (a query compiled once has a slot there).
  return query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(sql<number>`${page.limit} + 1`) as QB;
}

export function toPage<Row extends { created_at: string; id: string }, T>(
  rows: Row[],
  page: PageRequest,
  present: (row: Row) => T,
): Page<T> {
  const more = rows.length > page.limit;
  const kept = more ? rows.slice(0, page.limit) : rows;
  const last = kept[kept.length - 1];
  return {
    data: kept.map(present),
    next: more && last ? { createdAt: last.created_at, id: last.id } : null,
  };
}

/**
 * A window on created_at in stored form: `from` inclusive, `until` exclusive. The API's
 * `created_at.*` bounds become one of these (see ListQuery.createdAt).
 */
export interface CreatedAtFilter {
  from?: string;
  until?: string;
}

// biome-ignore lint/suspicious/noExplicitAny: as above
export function whereCreatedAt<QB extends SelectQueryBuilder<any, any, any>>(qb: QB, f: CreatedAtFilter): QB {
  let query = qb;
  if (f.from) query = query.where('created_at', '>=', f.from) as QB;
  if (f.until) query = query.where('created_at', '<', f.until) as QB;
  return query;
}
