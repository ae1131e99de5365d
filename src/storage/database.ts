import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { DatabaseLocation } from '../config.js';
import { migrations } from './migrations/index.js';
import type { Schema } from './schema.js';

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
      return new Database('sqlite', new Kysely({ dialect: new SqliteDialect({ database: connection }) }));
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
    // SQLite: take the write lock up front (BEGIN IMMEDIATE), so that a transaction that reads
    // and then writes cannot fail half-way because another process wrote in between.
    return this.db.connection().execute(async (connection) => {
      await sql`BEGIN IMMEDIATE`.execute(connection);
      try {
        const result = await work(connection);
        await sql`COMMIT`.execute(connection);
        return result;
      } catch (error) {
        await sql`ROLLBACK`.execute(connection);
        throw error;
      }
    });
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
