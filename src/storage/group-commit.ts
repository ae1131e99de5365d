import fs from 'node:fs';
import path from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Executor, Schema } from './schema.js';
import { runEndingWith, type TransactionWork } from './transaction-work.js';

/** A SQLite transaction waiting for the next group commit. */
interface PendingTransaction {
  work: TransactionWork<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** At most this many transactions share one commit, so that none waits long behind others. */
const maxTransactionsPerCommit = 64;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

const fsync = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));

/** As SQLite's own: where a folder cannot be opened or synced (some filesystems), it is skipped. */
async function syncFolderOf(file: string): Promise<void> {
  let folder: number;
  try {
    folder = fs.openSync(path.dirname(file), 'r');
  } catch {
    return;
  }
  await fsync(folder)
    .catch(() => {})
    .finally(() => fs.closeSync(folder));
}

/**
 * SQLite writes with one fsync per batch, taken off the event loop.
 *
 * Transactions that arrive while a batch is written share one `BEGIN IMMEDIATE … COMMIT`, each in
 * a savepoint of its own, so that one that fails is undone alone. The write lock is taken up
 * front, so that a transaction that reads and then writes cannot fail half-way because another
 * process wrote in between. The connection runs with `synchronous = NORMAL`, so its COMMIT does
 * not wait for the disk; the WAL file is then synced in the thread pool, and no transaction of
 * the batch is answered before that sync ends. An answered write is as durable as with
 * `synchronous = FULL`, and the process keeps serving while the disk works.
 *
 * Readers in this process must not see what could still be lost: from the moment a COMMIT starts
 * until its sync ends, `unsynced` is set and reads wait for it (see `whenVisible`). Only one commit is ever
 * waiting for the disk, and the next one waits a turn of the event loop after it, so that waiting
 * readers always run first.
 */
export class GroupCommit {
  private waiting: PendingTransaction[] = [];
  private committing = false;
  private unsynced: Promise<void> | null = null;
  private begun = 0;
  private wal: number | null = null;
  /** A sync that failed: what was committed may not be on disk, so nothing more is read or written. */
  private failed: unknown = null;
  private reportFailure: (error: unknown) => void = () => {};
  /** Settles with the error of the first failed sync; until a restart, nothing more is served. */
  readonly failure = new Promise<unknown>((resolve) => {
    this.reportFailure = resolve;
  });

  constructor(
    private readonly writer: Kysely<Schema>,
    private readonly walPath: string,
    private readonly afterCommit: () => void = () => {},
  ) {}

  run<T>(work: TransactionWork<T>): Promise<T> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // Written after this turn of the event loop, so that requests read in one turn share it.
      if (!this.committing) {
        this.committing = true;
        setImmediate(() => void this.commitWaiting());
      }
    });
  }

  /** Null when everything committed is on disk; otherwise what to wait for before reading. */
  whenVisible = (): Promise<void> | null => (this.failed ? Promise.reject(this.failed) : this.unsynced);

  /** How many COMMITs have begun (see Visibility). */
  commitsBegun = (): number => this.begun;

  /** Resolves once everything committed so far is on disk. */
  private async durable(): Promise<void> {
    for (let pending = this.whenVisible(); pending; pending = this.whenVisible()) await pending;
  }

  /** Syncs the WAL file: what was committed before the call is on disk when it resolves. */
  async sync(): Promise<void> {
    const first = this.wal === null;
    this.wal ??= fs.openSync(this.walPath, 'r');
    await fsync(this.wal);
    // SQLite made the WAL file when it opened the database; its name is on disk only once its
    // folder is synced too (SQLite's own sync does this, but with NORMAL it rarely runs).
    if (first) await syncFolderOf(this.walPath);
  }

  async close(): Promise<void> {
    while (this.committing) await nextTurn();
    await this.durable().catch(() => {});
    if (this.wal !== null) fs.closeSync(this.wal);
    this.wal = null;
  }

  private async commitWaiting(): Promise<void> {
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, maxTransactionsPerCommit);
        let outcomes: { ok: boolean; value: unknown }[];
        let synced: Promise<void>;
        try {
          ({ outcomes, synced } = await this.writer
            .connection()
            .execute((connection) => this.write(connection, batch)));
        } catch (error) {
          for (const { reject } of batch) reject(error);
          continue;
        }
        synced.then(
          () =>
            batch.forEach(({ resolve, reject }, i) => {
              const outcome = outcomes[i] as { ok: boolean; value: unknown };
              if (outcome.ok) resolve(outcome.value);
              else reject(outcome.value);
            }),
          (error) => {
            for (const { reject } of batch) reject(error);
          },
        );
      }
    } finally {
      this.committing = false;
    }
  }

  /** Runs a batch and commits it; `synced` settles when the commit is on disk. */
  private async write(connection: Executor, batch: PendingTransaction[]) {
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const outcomes: { ok: boolean; value: unknown }[] = [];
      for (const { work } of batch) {
        await sql`SAVEPOINT work`.execute(connection);
        try {
          const value = await runEndingWith(work, connection, async (last) => {
            if (last) await connection.executeQuery(last);
          });
          outcomes.push({ ok: true, value });
          await sql`RELEASE work`.execute(connection);
        } catch (error) {
          outcomes.push({ ok: false, value: error });
          await sql`ROLLBACK TO work`.execute(connection);
          await sql`RELEASE work`.execute(connection);
        }
      }
      await this.durable();
      await nextTurn();
      // Set before the COMMIT runs, so that no read slips in between the commit and its sync.
      let committed: () => void = () => {};
      const synced = new Promise<void>((resolve) => {
        committed = resolve;
      }).then(() => this.sync());
      // As PostgreSQL does, a failed sync fails closed: the commit may be lost, so it is never shown.
      const visible: Promise<void> = synced.then(
        () => {
          if (this.unsynced === visible) this.unsynced = null;
        },
        (error: unknown) => {
          this.failed ??= error;
          this.reportFailure(error);
        },
      );
      this.unsynced = visible;
      this.begun++;
      try {
        await sql`COMMIT`.execute(connection);
      } finally {
        committed();
      }
      this.afterCommit();
      return { outcomes, synced };
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => {});
      throw error;
    }
  }
}
