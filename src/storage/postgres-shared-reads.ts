import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

/**
 * A pool connection lent to several reads at once. In pg's pipeline mode each read is sent at
 * once, as its own implicit transaction with its own Sync: PostgreSQL answers them in order, and
 * one that fails does not fail the others.
 */
class SharedConnection {
  /** Reads holding it: it goes back to the pool when the last one is done. */
  users = 0;
  /** Set when the connection itself failed (not a statement): no read joins it any more. */
  failed = false;

  constructor(
    readonly client: pg.PoolClient,
    private readonly returned: (connection: SharedConnection) => void,
  ) {
    // pg fails every read in flight; the pool closes the connection when the last is released.
    client.on('error', () => {
      this.failed = true;
    });
  }

  query<R extends object>(text: string, values: readonly unknown[]): Promise<pg.QueryResult<R>> {
    return this.client.query<R>(text, values as unknown[]);
  }

  /**
   * Holds what is written to PostgreSQL until the end of this turn of the event loop, so that
   * the turn's reads leave in one write and wake its backend once (finding #45).
   */
  holdWritesForTurn(): void {
    // Every pool connection is a pg.Client; pg writes each statement between its own cork and
    // uncork, which nest inside this one.
    const { stream } = (this.client as pg.PoolClient & pg.Client).connection;
    stream.cork();
    setImmediate(() => stream.uncork());
  }

  release(discard?: boolean): void {
    if (discard) this.failed = true;
    if (--this.users === 0) this.returned(this);
  }
}

/**
 * The connections reads outside a transaction run on (finding #35 in docs/benchmarks.md). Each
 * read used to hold a connection alone until its answer, and under load most reads waited for
 * one. Here the reads of a turn (below) take a connection of their own while the pool can give
 * one at once; past that, they join the lent connection with the fewest reads in flight. Every
 * connection still comes from the one pool, so `ONBOARD_PG_POOL_SIZE` counts them all.
 * Transactions keep connections to themselves: while anything waits for the pool, reads wait in
 * the same line instead of joining, so the lent connections drain and go back to it.
 *
 * The reads of one turn of the event loop all go on the connection the first of them took, and
 * leave in one write at the end of the turn: each write to PostgreSQL wakes its backend, which
 * cost more than the reads themselves under load (finding #45). They join it even while a
 * transaction waits for the pool: the turn is short, and the connection is lent already.
 *
 * PostgreSQL answers a connection's reads in turn, so a slow one (a list of 100) delays those
 * that joined after it, as a busy pool delayed them when each waited for a connection.
 */
export class SharedReads implements PostgresPool {
  private readonly lent = new Set<SharedConnection>();
  /** One wrapper per pool connection, so that Kysely keeps one connection object per connection. */
  private readonly wrappers = new WeakMap<pg.PoolClient, SharedConnection>();
  /** The connection this turn's reads go out on, together. */
  private turn: Promise<SharedConnection> | undefined;

  constructor(private readonly pool: pg.Pool) {}

  async connect(): Promise<PostgresPoolClient> {
    return this.lend() as Promise<unknown> as Promise<PostgresPoolClient>;
  }

  // Kysely calls only `query(text, values)` and `release()` on it: reads use no cursor (pipeline
  // mode could not carry one), so pg's other overloads are left out.
  private async lend(): Promise<SharedConnection> {
    this.turn ??= this.takeForTurn();
    const turn = this.turn;
    const connection = await turn;
    // It broke, or went back to the pool, before this read could join it: the read starts anew.
    if (connection.failed || !this.lent.has(connection)) {
      if (this.turn === turn) this.turn = undefined;
      return this.lend();
    }
    connection.users++;
    return connection;
  }

  /**
   * The connection this turn's reads join: one of its own while the pool can give one at once,
   * else the lent one with the fewest reads. Its writes are held until the turn ends.
   */
  private async takeForTurn(): Promise<SharedConnection> {
    setImmediate(() => {
      this.turn = undefined;
    });
    let connection = this.joinRatherThanWait() ? this.leastBusy() : undefined;
    if (!connection) {
      const client = await this.pool.connect();
      connection = this.wrappers.get(client);
      if (!connection) {
        connection = new SharedConnection(client, (done) => this.giveBack(done));
        this.wrappers.set(client, connection);
      }
      connection.users = 0;
      this.lent.add(connection);
    }
    connection.holdWritesForTurn();
    return connection;
  }

  /** The pool owns the connections; it is ended by its owner. */
  async end(): Promise<void> {}

  /** Whether the pool has no connection to give at once, and nothing is waiting for one. */
  private joinRatherThanWait(): boolean {
    const { idleCount, totalCount, waitingCount, options } = this.pool;
    return waitingCount === 0 && idleCount === 0 && totalCount >= (options.max ?? 10);
  }

  private leastBusy(): SharedConnection | undefined {
    let best: SharedConnection | undefined;
    for (const connection of this.lent) {
      if (!connection.failed && (!best || connection.users < best.users)) best = connection;
    }
    return best;
  }

  private giveBack(connection: SharedConnection): void {
    this.lent.delete(connection);
    // A connection that failed is closed by the pool rather than handed to the next caller.
    connection.client.release(connection.failed);
  }
}
