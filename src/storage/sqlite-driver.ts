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

/**
 * Kysely over one better-sqlite3 connection, as Kysely's own SQLite dialect, with three changes
 * measured in bench/: statements are prepared once and reused (preparing was a tenth of the
 * CPU of a read); rows are read as arrays and made into objects here (see rowMaker); and
 * callers waiting for the connection get it in the order they asked (Kysely's lock wakes every
 * waiter at once, and some waited seconds under load).
 */

/** What a query must wait for before it runs, if anything (see GroupCommit.whenVisible). */
export type VisibilityGate = () => Promise<void> | null;

/** Statements kept prepared; a query with a varying `IN (…)` list makes one per length. */
const maxPreparedStatements = 1000;

type Row = Record<string, unknown>;

/**
 * A function that makes a row object from the values of one result row, in column order.
 * better-sqlite3 builds each row object property by property in C++, which was a third of the
 * time of a list of 10; an object literal compiled once per statement costs a tenth of that.
 * The names are quoted with JSON.stringify, so any column name is a plain string key; as with
 * better-sqlite3, a later column of the same name wins.
 */
function rowMaker(columns: readonly string[]): (values: unknown[]) => Row {
  const fields = columns.map((name, i) => `${JSON.stringify(name)}: values[${i}]`);
  return new Function('values', `return { ${fields.join(', ')} };`) as (values: unknown[]) => Row;
}

interface Prepared {
  statement: SqliteDatabase.Statement;
  /** Set for statements that return rows. */
  makeRow: ((values: unknown[]) => Row) | null;
}

class PreparedConnection implements DatabaseConnection {
  private readonly statements = new Map<string, Prepared>();

  constructor(
    private readonly database: SqliteDatabase.Database,
    private readonly gate?: VisibilityGate,
  ) {}

  private prepared(sql: string): Prepared {
    let prepared = this.statements.get(sql);
    if (!prepared) {
      const statement = this.database.prepare(sql);
      const makeRow = statement.reader ? rowMaker(statement.columns().map((column) => column.name)) : null;
      if (makeRow) statement.raw(true);
      prepared = { statement, makeRow };
      if (this.statements.size >= maxPreparedStatements) this.statements.clear();
      this.statements.set(sql, prepared);
    }
    return prepared;
  }

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    // Checked again after each wait, and nothing awaits between the last check and the query.
    for (let wait = this.gate?.(); wait; wait = this.gate?.()) await wait;
    const { statement, makeRow } = this.prepared(compiled.sql);
    const parameters = compiled.parameters as unknown[];
    if (makeRow) return { rows: (statement.all(parameters) as unknown[][]).map(makeRow) as R[] };
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
    gate?: VisibilityGate,
  ) {
    this.connection = new PreparedConnection(database, gate);
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
    private readonly gate?: VisibilityGate,
  ) {}

  createDriver(): Driver {
    return new SqliteDriver(this.database, this.gate);
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
