import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, type PostgresPool, sql } from 'kysely';
import type pg from 'pg';
import type { DatabaseLocation } from '../config.js';
import { Checkpointer } from './checkpointer.js';
import { GroupCommit } from './group-commit.js';
import { migrations } from './migrations/index.js';
import { DialectSharingAdapter, PostgresTransactions } from './postgres-transaction.js';
import type { Executor, Schema } from './schema.js';
import { PreparedSqliteDialect } from './sqlite-driver.js';
import type { TransactionWork } from './transaction-work.js';

export type { Executor };

/** What runs a write transaction: the group commit on SQLite, PostgresTransactions on PostgreSQL. */
interface TransactionRunner {
  run<T>(work: TransactionWork<T>): Promise<T>;
}

/** Where the SQLite writer keeps savepoints' undo pages (and sorts) outside a migration. */
const tempStoreForWrites = 'MEMORY';

/**
 * A PostgreSQL pool made at the first query: pg (and what it loads) is 40 ms of a start on this
 * machine, which a server on SQLite never needs (see docs/benchmarks.md, finding #34). `connect`
 * lends a connection to one caller (transactions, migrations); `reads` lends connections that
 * reads outside a transaction share (SharedReads).
 */
class PoolOnFirstUse implements PostgresPool {
  private opened: Promise<{ pool: pg.Pool; reads: PostgresPool }> | null = null;

  constructor(private readonly location: Extract<DatabaseLocation, { kind: 'postgres' }>) {}

  private open(): Promise<{ pool: pg.Pool; reads: PostgresPool }> {
    const opened =
      this.opened ??
      import('./postgres-client.js').then(({ openPoolWithSharedReads }) => openPoolWithSharedReads(this.location));
    this.opened = opened;
    return opened;
  }

  async connect(): Promise<pg.PoolClient> {
    return (await this.open()).pool.connect();
  }

  readonly reads: PostgresPool = {
    connect: async () => (await this.open()).reads.connect(),
    // The pool's connections are ended once, by `end`.
    end: async () => {},
  };

  async end(): Promise<void> {
    const opened = this.opened;
    this.opened = null;
    await (await opened)?.pool.end();
  }
}

/**
 * The one handle on storage. SQLite and PostgreSQL sit behind the same Kysely schema; the only
 * differences live here (how connections open, how a write transaction runs).
 *
 * `db` is for reads outside a transaction; every write goes through `transaction()`. On SQLite
 * `db` is a second, read-only connection: in WAL mode it reads the last committed state without
 * waiting for the writer, and it cannot write by mistake. On PostgreSQL reads share pool
 * connections (SharedReads); transactions and migrations hold theirs alone.
 */
export class Database {
  private constructor(
    readonly kind: DatabaseLocation['kind'],
    readonly db: Kysely<Schema>,
    private readonly writer: Kysely<Schema>,
    private readonly commits: GroupCommit | null,
    private readonly checkpointer: Checkpointer | null,
    private readonly transactions: TransactionRunner,
  ) {}

  static open(location: DatabaseLocation): Database {
    if (location.kind === 'sqlite') {
      fs.mkdirSync(path.dirname(location.filename), { recursive: true });
      const connection = new SqliteDatabase(location.filename);
      let readOnly: SqliteDatabase.Database | null = null;
      try {
        connection.pragma('journal_mode = WAL');
        // Commits do not wait for the disk; GroupCommit syncs the WAL before answering instead.
        connection.pragma('synchronous = NORMAL');
        // Other processes (the CLI, a second server) may hold the write lock for a moment.
        connection.pragma('busy_timeout = 5000');
        connection.pragma('foreign_keys = ON');
        // Checkpoints run in the Checkpointer's thread; the writer's own is a backstop.
        connection.pragma('wal_autocheckpoint = 10000');
        // Each transaction of a group commit runs in a savepoint, whose undo pages SQLite keeps in
        // memory only up to 64 KB, then in a temporary file until the COMMIT: a third of create's
        // SQL time went to that file. In memory they take a few pages for an API write, and at
        // most a file's size for one that stores a file. See `migrate` for the one exception.
        connection.pragma(`temp_store = ${tempStoreForWrites}`);
        // A write touches a few B-tree pages, mostly leaves no cache could hold for long; a
        // bigger cache did not make creates faster and held 12 MB more of resident memory.
        connection.pragma('cache_size = -4096');
        const writer = new Kysely<Schema>({ dialect: new PreparedSqliteDialect(connection) });
        // It starts its thread at the first commit: nothing to stop should the rest fail.
        const checkpointer = new Checkpointer(location.filename);
        const commits = new GroupCommit(writer, `${location.filename}-wal`, checkpointer.committed);
        readOnly = new SqliteDatabase(location.filename, { readonly: true });
        readOnly.pragma('busy_timeout = 5000');
        const reader = new Kysely<Schema>({ dialect: new PreparedSqliteDialect(readOnly, commits) });
        return new Database('sqlite', reader, writer, commits, checkpointer, commits);
      } catch (error) {
        // A command or a test that fails to open must not leave the file open behind it.
        readOnly?.close();
        connection.close();
        throw error;
      }
    }
    const pool = new PoolOnFirstUse(location);
    const writer = new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
    const { adapter } = writer.getExecutor();
    const reader = new Kysely<Schema>({ dialect: new DialectSharingAdapter(pool.reads, adapter) });
    const transactions = new PostgresTransactions(pool, adapter);
    return new Database('postgres', reader, writer, null, null, transactions);
  }

  /**
   * Settles with the error if the disk failed to sync a commit (SQLite; see GroupCommit). From
   * then on every read and write fails, as PostgreSQL does; only a restart, which recovers the
   * WAL, serves again.
   */
  get failure(): Promise<unknown> {
    return this.commits?.failure ?? new Promise(() => {});
  }

  /**
   * Runs `work` in one transaction: all of it is committed, or none of it, before it resolves. On
   * PostgreSQL `work` may run again (after a migration made a prepared statement stale), so its
   * effects belong in the database; count or send what it did after it resolves.
   */
  transaction<T>(work: TransactionWork<T>): Promise<T> {
    return this.transactions.run(work);
  }

  /** Brings the schema up to date; safe to run from several processes at once. */
  async migrate(): Promise<void> {
    const migrator = new Migrator({
      db: this.writer,
      provider: { getMigrations: async () => migrations },
      // Kysely's default, localeCompare, loads ICU's collation data: 7–13 ms of every start here.
      // The names are ASCII ("0001_initial"), and code-point order is theirs.
      nameComparator: (a, b) => (a < b ? -1 : a > b ? 1 : 0),
    });
    // An index built on a large table sorts every row: on disk, as SQLite does by default.
    const sqlite = this.kind === 'sqlite';
    if (sqlite) await sql`PRAGMA temp_store = DEFAULT`.execute(this.writer);
    let error: unknown;
    try {
      ({ error } = await migrator.migrateToLatest());
    } finally {
      if (sqlite) await sql.raw(`PRAGMA temp_store = ${tempStoreForWrites}`).execute(this.writer);
    }
    if (error) throw error;
    await this.commits?.sync();
  }

  async close(): Promise<void> {
    await this.commits?.close();
    await this.checkpointer?.stop();
    // The writer closes last: the last connection to close checkpoints the WAL.
    if (this.db !== this.writer) await this.db.destroy();
    await this.writer.destroy();
  }
}
