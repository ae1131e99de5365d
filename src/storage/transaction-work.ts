import type { CompiledQuery } from 'kysely';
import type { Executor } from './schema.js';

// What a write transaction runs, on either backend (the group commit on SQLite,
// PostgresTransactions on PostgreSQL), and how both end it.

/**
 * Sets the statement a transaction ends with: it runs after the work resolves, just before the
 * COMMIT, and if it fails nothing is committed. For a last write whose answer the work does not
 * need: on PostgreSQL it travels with the COMMIT, a round trip fewer.
 */
export type EndWith = (statement: CompiledQuery) => void;

/** What runs in a transaction. */
export type TransactionWork<T> = (tx: Executor, endWith: EndWith) => Promise<T>;

/** Runs the work, then the statement it chose to end with, if any; gives the work's result. */
export async function runEndingWith<T>(
  work: TransactionWork<T>,
  tx: Executor,
  end: (last: CompiledQuery | undefined) => Promise<void>,
): Promise<T> {
  let last: CompiledQuery | undefined;
  const result = await work(tx, (statement) => {
    last = statement;
  });
  await end(last);
  return result;
}
