import { type DialectAdapter, Kysely, PostgresDialect, type PostgresPool, type PostgresPoolClient } from 'kysely';
import type pg from 'pg';
import type { Schema } from './schema.js';
import { runEndingWith, type TransactionWork } from './transaction-work.js';

/**
 * What PostgreSQL answers when a statement prepared before another process's migration would
 * now return other columns (`SELECT *` after an `ADD COLUMN`): that prepared statement stays
 * unusable on its connection.
 */
export const isStalePlan = (error: unknown) => {
  const { code, routine } = error as { code?: string; routine?: string };
  return code === '0A000' && routine === 'RevalidateCachedQuery';
};

/** Tries of a transaction that meets statements made stale by a migration. */
const maxStalePlanRetries = 20;

/**
 * Kysely's own PostgreSQL dialect over `pool`, with the adapter of the database's writer: queries
 * compiled once (compiledOnce) are kept per adapter, so the reads and every transaction reuse what
 * the writer compiled instead of compiling each query again for each Kysely.
 */
export class DialectSharingAdapter extends PostgresDialect {
  constructor(
    pool: PostgresPool,
    private readonly adapter: DialectAdapter,
  ) {
    super({ pool });
  }

  override createAdapter(): DialectAdapter {
    return this.adapter;
  }
}

/**
 * Transactions on PostgreSQL whose statements can travel together. Kysely's own transaction
 * sends one statement at a time, each after the answer to the one before. Here the connection is
 * in pg's pipeline mode and Kysely does not queue: statements a write starts together (with
 * `Promise.all`) reach PostgreSQL in one round trip, which costs both processes a wake-up and a
 * system call less per statement (finding #33 in docs/benchmarks.md). PostgreSQL runs them in the
 * order they were sent; if one fails, those after it fail too and the transaction rolls back.
 */
export class PostgresTransactions {
  /** A Kysely per pooled connection, made the first time it runs a transaction. */
  private readonly onClient = new WeakMap<pg.PoolClient, Kysely<Schema>>();

  constructor(
    private readonly pool: { connect(): Promise<pg.PoolClient> },
    private readonly adapter: DialectAdapter,
  ) {}

  async run<T>(work: TransactionWork<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.runOnce(work);
      } catch (error) {
        // Another process's migration made a prepared statement stale. Its connection has
        // prepared it afresh and nothing of the aborted transaction remains, so it runs again;
        // each such error renews one statement on one connection.
        if (!isStalePlan(error) || attempt === maxStalePlanRetries) throw error;
      }
    }
  }

  private async runOnce<T>(work: TransactionWork<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      try {
        return await runEndingWith(work, this.kyselyOn(client), async (last) => {
          // Sent together, in this order; if the last statement fails, PostgreSQL rolls back.
          const ending = last && client.query(last.sql, last.parameters as unknown[]);
          const committing = client.query('COMMIT');
          const [ended, committed] = await Promise.allSettled([ending, committing]);
          if (ended.status === 'rejected') throw ended.reason;
          if (committed.status === 'rejected') throw committed.reason;
          // PostgreSQL answers COMMIT with ROLLBACK when a statement in the transaction failed,
          // even one whose error the work caught: nothing was written, and the caller must know.
          if (committed.value.command !== 'COMMIT') {
            throw new Error('the transaction was rolled back: a statement in it failed');
          }
        });
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackFailed: Error) => {
          broken = rollbackFailed;
        });
        throw error;
      }
    } finally {
      // A connection that could not roll back is closed rather than handed to the next request.
      client.release(broken);
    }
  }

  private kyselyOn(client: pg.PoolClient): Kysely<Schema> {
    let db = this.onClient.get(client);
    if (!db) {
      // Its "pool" lends the transaction's one connection to every query at once and never takes
      // it back (runOnce does). Kysely queues only within its own transactions, so queries here
      // do not wait for each other's answers.
      const lent = { query: client.query.bind(client), release: () => {} } as PostgresPoolClient;
      const pool = { connect: async () => lent, end: async () => {} };
      db = new Kysely<Schema>({ dialect: new DialectSharingAdapter(pool, this.adapter) });
      this.onClient.set(client, db);
    }
    return db;
  }
}
