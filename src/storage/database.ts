import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation } from '../config.js';
import { migrations } from './migrations/index.js';
import type { Schema } from './schema.js';
import { PreparedSqliteDialect } from './sqlite-driver.js';

/** A SQLite transaction waiting for the next group commit. */
interface PendingTransaction {
  work: (tx: Executor) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many transactions share one commit, so that none waits long behind others. */
const maxTransactionsPerCommit = 64;

/** Anything queries can run on: the database itself or an open transaction. */
export type Executor = Kysely<Schema>;

/**
 * The one handle on storage. SQLite and PostgreSQL sit behind the same Kysely schema; the only
 * differences live here (how a connection opens, how a write transaction begins).
 */
export class Database {
  private constructor(
    readonly kind: DatabaseLocation['kind'],
    readonly db: Kysely<Schema>,
  ) {}

  static open(location: DatabaseLocation, options: { poolSize?: number } = {}): Database {
    if (location.kind === 'sqlite') {
      fs.mkdirSync(path.dirname(location.filename), { recursive: true });
      const connection = new SqliteDatabase(location.filename);
      connection.pragma('journal_mode = WAL');
      // An acknowledged write survives a crash of the process and of the machine.
      connection.pragma('synchronous = FULL');
      // Other processes (the CLI, a second server) may hold the write lock for a moment.
      connection.pragma('busy_timeout = 5000');
      connection.pragma('foreign_keys = ON');
      return new Database('sqlite', new Kysely({ dialect: new PreparedSqliteDialect(connection) }));
    }
    const pool = new pg.Pool({
      connectionString: location.connectionString,
      max: options.poolSize ?? 10,
    });
    // An idle client that loses its connection must not take the process down.
    pool.on('error', () => {});
    return new Database('postgres', new Kysely({ dialect: new PostgresDialect({ pool }) }));
  }

  /** Runs `work` in one transaction: all of it is committed, or none of it. */
  async transaction<T>(work: (tx: Executor) => Promise<T>): Promise<T> {
    if (this.kind === 'postgres') return this.db.transaction().execute(work);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // Written after this turn of the event loop, so that requests read in one turn share it.
      if (!this.committing) {
        this.committing = true;
        setImmediate(() => void this.commitWaiting());
      }
    });
  }

  /** SQLite transactions waiting to be written, and whether a batch is being written. */
  private waiting: PendingTransaction[] = [];
  private committing = false;

  /**
   * Group commit: the transactions that arrived while the last batch was written share one
   * `BEGIN IMMEDIATE … COMMIT`, and so one fsync. Each runs alone in a savepoint, so one that
   * fails is undone by itself; none is answered before the COMMIT that makes it durable. The
   * write lock is taken up front, so a transaction that reads and then writes cannot fail
   * half-way because another process wrote in between.
   */
  private async commitWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, maxTransactionsPerCommit);
        const outcomes: { ok: boolean; value: unknown }[] = [];
        try {
          await this.db.connection().execute(async (connection) => {
            await sql`BEGIN IMMEDIATE`.execute(connection);
            try {
              for (const { work } of batch) {
                await sql`SAVEPOINT work`.execute(connection);
                try {
                  outcomes.push({ ok: true, value: await work(connection) });
                  await sql`RELEASE work`.execute(connection);
                } catch (error) {
                  outcomes.push({ ok: false, value: error });
                  await sql`ROLLBACK TO work`.execute(connection);
                  await sql`RELEASE work`.execute(connection);
                }
              }
              await sql`COMMIT`.execute(connection);
            } catch (error) {
              await sql`ROLLBACK`.execute(connection).catch(() => {});
              throw error;
            }
          });
        } catch (error) {
          for (const { reject } of batch) reject(error);
          continue;
        }
        batch.forEach(({ resolve, reject }, i) => {
          const outcome = outcomes[i] as { ok: boolean; value: unknown };
          if (outcome.ok) resolve(outcome.value);
          else reject(outcome.value);
        });
      }
    } finally {
      this.committing = false;
    }
  }

  /** Brings the schema up to date; safe to run from several processes at once. */
  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.db,
      provider: { getMigrations: async () => migrations },
    });
    const { error } = await migrator.migrateToLatest();
    if (error) throw error;
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}
