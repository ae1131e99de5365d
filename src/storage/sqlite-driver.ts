import type SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
} from 'kysely';
import { compileRowMaker, type Row } from './row-maker.js';

/**
 * Kysely over one better-sqlite3 connection, as Kysely's own SQLite dialect, with changes
 * measured in bench/: statements are prepared once and reused (preparing was a tenth of the
 * CPU of a read); rows are read as arrays and made into objects here (see rowMaker); callers
 * waiting for the connection get it in the order they asked (Kysely's lock wakes every waiter
 * at once, and some waited seconds under load); and on the read-only connection, the one given
 * a Visibility, the reads of a turn share one read transaction (see shareSnapshot).
 */

/** What reads must respect of this process's own commits (see GroupCommit). */
export interface Visibility {
  /** What a read must wait for before it runs, if anything. */
  whenVisible(): Promise<void> | null;
  /** How many COMMITs have begun: a snapshot taken before one must not serve a read after it. */
  commitsBegun(): number;
}

/** Statements kept prepared; a query with a varying `IN (…)` list makes one per length. */
const maxPreparedStatements = 1000;

/**
 * better-sqlite3 builds each row object property by property in C++, which was a third of the
 * time of a list of 10; rows are read as arrays and made by an object literal compiled once per
 * statement (see compileRowMaker), a tenth of that.
 */
function rowMaker(statement: SqliteDatabase.Statement): RowMaker {
  const columns = statement.columns().map((column) => column.name);
  return { columns: columns.length, make: compileRowMaker(columns) };
}

interface RowMaker {
  columns: number;
  make: (values: readonly unknown[]) => Row;
}

interface Prepared {
  statement: SqliteDatabase.Statement;
  /** Set for statements that return rows. */
  rows: RowMaker | null;
}

class PreparedConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Prepared>();
  /** `commitsBegun` when the shared read transaction began; null when none is open. */
  private snapshotOf: number | null = null;

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly visibility?: Visibility,
  ) {}

  /**
   * The reads of one turn of the event loop share one read transaction: alone, each read is a
   * transaction of its own, and taking and dropping its locks cost as much as the read (a point
   * read 6.4 µs alone, 3.4 µs among twenty in one transaction; docs/benchmarks.md, #44). The
   * transaction ends at the end of the turn, and before any read that follows a COMMIT of this
   * process, so a read never misses a write this process has answered. Another process's commit
   * shows from the next turn on.
   */
  private shareSnapshot(visibility: Visibility): void {
    const commitsBegun = visibility.commitsBegun();
    if (this.snapshotOf !== null && this.snapshotOf !== commitsBegun) this.endSnapshot();
    if (this.snapshotOf !== null) return;
    this.prepared('begin').statement.run();
    this.snapshotOf = commitsBegun;
    setImmediate(this.endSnapshot);
  }

  private readonly endSnapshot = (): void => {
    if (this.snapshotOf === null) return;
    this.snapshotOf = null;
    if (this.database.open && this.database.inTransaction) this.prepared('commit').statement.run();
  };

  private prepared(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.database.prepare(sql);
      const rows = statement.reader ? rowMaker(statement.raw(true)) : null;
      prepared = { statement, rows };
      if (this.statements.size >= maxPreparedStatements) this.statements.clear();
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Checked again after each wait, and nothing awaits between the last check and the query.
    const { visibility } = this;
    if (visibility) {
      for (let wait = visibility.whenVisible(); wait; wait = visibility.whenVisible()) await wait;
      this.shareSnapshot(visibility);
    }
    const prepared = this.prepared(compiled.sql);
    const { statement } = prepared;
    const parameters = compiled.parameters as unknown[];
    if (prepared.rows) {
      const values = statement.all(parameters) as unknown[][];
      // SQLite prepares a statement again when another process changes the schema (a migration),
      // and `SELECT *` then has other columns: the maker follows.
      if (values.length > 0 && values[0]?.length !== prepared.rows.columns) prepared.rows = rowMaker(statement);
      return { rows: values.map(prepared.rows.make) as R[] };
    }
    const { changes, lastInsertRowid } = statement.run(parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  // biome-ignore lint/correctness/useYield: streaming is not offered; nothing here streams
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming queries are not supported on SQLite');
  }
}

/** A lock handed to waiters one at a time, in the order they asked. */
class FairLock {
  private tail: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;

  async lock(): Promise<void> {
    let release: () => void = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.tail;
    this.tail = previous.then(() => held);
    await previous;
    this.release = release;
  }

  unlock(): void {
    const release = this.release;
    this.release = null;
    release?.();
  }
}

class SqliteDriver implements Driver {
  private readonly connection: PreparedConnection;
  private readonly lock = new FairLock();

  constructor(
    private readonly database: SqliteDatabase.Database,
    visibility?: Visibility,
  ) {
    this.connection = new PreparedConnection(database, visibility);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.lock.lock();
    return this.connection;
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async releaseConnection(): Promise<void> {
    this.lock.unlock();
  }

  async destroy(): Promise<void> {
    this.database.close();
  }
}

export class PreparedSqliteDialect implements Dialect {
  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly visibility?: Visibility,
  ) {}

  createDriver(): Driver {
    return new SqliteDriver(this.database, this.visibility);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new SqliteAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}
