import type { Writable } from 'node:stream';
import pg from 'pg';
import type { DatabaseLocation } from '../config.js';
import { PreparedQuery, type RowShapes } from './postgres-prepared-query.js';
import { SharedReads } from './postgres-shared-reads.js';
import { isStalePlan } from './postgres-transaction.js';

/** Statements given a name, at most: the first ones seen, which under load are the hot ones. */
const maxNamedStatements = 500;

/** Names by SQL text, shared by every connection: each prepares a name the first time it runs it. */
const statementNames = new Map<string, string>();

/** Queries and writes run again and again; a migration's statements run once, unnamed. */
const repeated = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Parameters beyond which a statement stays unnamed: multi-row INSERTs and `IN` lists come in
 * many lengths, and each length would hold a name and a plan on every connection.
 */
const maxNamedParameters = 32;

function nameOf(text: string, parameters: number): string | undefined {
  // Several statements in one text cannot be prepared.
  if (parameters > maxNamedParameters || text.includes(';') || !repeated.test(text)) return undefined;
  let name = statementNames.get(text);
  if (name === undefined && statementNames.size < maxNamedStatements) {
    name = `onboard_${statementNames.size}`;
    statementNames.set(text, name);
  }
  return name;
}

/**
 * A connection that sends the statements started in one turn of the event loop in one write. pg
 * writes each statement as it is started, a system call each, so a create's statements started
 * together still woke PostgreSQL's backend once per statement (finding #50).
 */
export class CoalescingClient extends pg.Client {
  private holding = false;

  // biome-ignore lint/suspicious/noExplicitAny: passes pg's own arguments and result through
  override query(...args: any[]): any {
    this.holdWritesUntilNextTick();
    // biome-ignore lint/suspicious/noExplicitAny: as above
    return (super.query as (...args: any[]) => any).apply(this, args);
  }

  /** A tick queued now runs once this turn's promise callbacks are done, and so every statement they start. */
  private holdWritesUntilNextTick(): void {
    if (this.holding) return;
    const { stream } = (this as unknown as { connection: { stream: Writable } }).connection;
    this.holding = true;
    stream.cork();
    process.nextTick(() => {
      this.holding = false;
      stream.uncork();
    });
  }
}

/**
 * A connection that prepares each statement once, as the SQLite driver keeps its statements:
 * PostgreSQL then parses and plans it once per connection instead of at every run, which was most
 * of its CPU under load (see docs/benchmarks.md, finding #25). Kysely sends `query(text, values)`;
 * that call gets a statement name and runs as a PreparedQuery, and everything else passes through
 * unchanged.
 */
export class PreparingClient extends CoalescingClient {
  /**
   * Statements this connection prepared again after a stale plan: under a new name, and with a
   * new text too, since a pooler that keeps prepared statements (PgBouncer 1.21+) knows them by text.
   */
  private readonly renewed = new Map<string, { name: string; text: string }>();
  private renewals = 0;
  private readonly shapes: RowShapes = new Map();

  // pg's query has a dozen overloads; only one shape is changed here.
  // biome-ignore lint/suspicious/noExplicitAny: passes pg's own arguments and result through
  override query(...args: any[]): any {
    const [text, values] = args;
    // biome-ignore lint/suspicious/noExplicitAny: as above
    const query = super.query as (...args: any[]) => any;
    if (args.length !== 2 || typeof text !== 'string' || !Array.isArray(values)) return query.apply(this, args);
    const statement = this.renewed.get(text) ?? { name: nameOf(text, values.length), text };
    if (statement.name === undefined) return query.apply(this, args);
    return this.runPrepared(statement.name, statement.text, values).catch((error: unknown) => {
      // As pg's own promise does: a stack that leads back to the caller, not to the socket's read.
      if (error instanceof Error) Error.captureStackTrace(error);
      if (!isStalePlan(error)) throw error;
      const renewal = ++this.renewals;
      const fresh = { name: `${statement.name}_${renewal}`, text: `${text} /* renewed ${renewal} */` };
      this.renewed.set(text, fresh);
      // Alone, the statement is simply run again; in a transaction, the whole transaction is
      // (see Database.transaction), since PostgreSQL has already aborted it.
      if (this.getTransactionStatus() !== 'I') throw error;
      return this.runPrepared(fresh.name, fresh.text, values);
    });
  }

  private runPrepared(name: string, text: string, values: unknown[]): Promise<pg.QueryResult> {
    return new Promise((resolve, reject) => {
      const settle = (error: Error | undefined, result: pg.QueryResult) => (error ? reject(error) : resolve(result));
      super.query(new PreparedQuery(name, text, values, this.shapes, settle));
    });
  }
}

type PostgresLocation = Extract<DatabaseLocation, { kind: 'postgres' }>;

/** The pool of connections to a PostgreSQL database, as the location says. */
export function openPool(location: PostgresLocation): pg.Pool {
  const pool = new pg.Pool({
    Client: location.preparedStatements === false ? CoalescingClient : PreparingClient,
    connectionString: location.connectionString,
    max: location.poolSize ?? 10,
    // Statements started together in a transaction are sent together (PostgresTransactions).
    pipeline: true,
  });
  // A connection that breaks must not take the process down: its queries fail, and the pool
  // closes it when it is released. pg reports the break as an 'error' event, on the pool while
  // the connection is idle and on the connection itself while it is lent.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** The pool for a location, and the connections reads outside a transaction share from it. */
export function openPoolWithSharedReads(location: PostgresLocation): { pool: pg.Pool; reads: SharedReads } {
  const pool = openPool(location);
  return { pool, reads: new SharedReads(pool) };
}
