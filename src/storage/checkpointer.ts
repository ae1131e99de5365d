import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How long after a commit the WAL is copied back into the database file: commits that follow
 * within it share the checkpoint.
 */
const checkpointDelayMs = 20;

/**
 * The worker's code, as a script: it needs only better-sqlite3, and a script runs the same from
 * `dist/`, from a bundle and under the test runner. A PASSIVE checkpoint never blocks the writer
 * or a reader; it copies what it can, and the next commit brings another.
 */
const workerScript = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename);
db.pragma('busy_timeout = 100');
let timer = null;
const checkpoint = () => {
  timer = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
parentPort.on('message', (message) => {
  if (message === 'committed') {
    timer ??= setTimeout(checkpoint, workerData.delayMs);
    return;
  }
  // A checkpoint still due runs first: a commit just before the end is not left in the WAL.
  if (timer) {
    clearTimeout(timer);
    checkpoint();
  }
  db.close();
  parentPort.close();
});
`;

/**
 * How long the thread lives after the last commit. A thread is a second V8 isolate, about 15 MB
 * resident; a server that is only read, or idle, needs none.
 */
const idleMs = 10_000;

/**
 * Checkpoints a SQLite database in WAL mode from a thread of its own, so that copying pages back
 * into the database file, and the two fsyncs that go with it, never stop the event loop. (The
 * writer's own automatic checkpoint, which would run inside a COMMIT, stays on as a backstop at a
 * larger size.) The thread starts with the first commit and ends after `idleMs` without one.
 */
export class Checkpointer {
  private worker: Worker | null = null;
  /** Ends the thread `idleMs` after the last commit; each commit pushes it back. */
  private idleTimer: NodeJS.Timeout | null = null;
  /** Settles once every thread started so far has closed its connection and ended. */
  private ended: Promise<void> = Promise.resolve();

  constructor(
    private readonly filename: string,
    private readonly options: { idleMs: number } = { idleMs },
  ) {}

  /** Whether a thread takes the next commit's checkpoint (one that is ending no longer counts). */
  get running(): boolean {
    return this.worker !== null;
  }

  /** Something was committed: a checkpoint follows shortly. */
  committed = (): void => {
    if (this.worker) this.idleTimer?.refresh();
    else this.worker = this.start();
    this.worker.postMessage('committed');
  };

  async stop(): Promise<void> {
    this.retire();
    await this.ended;
  }

  private start(): Worker {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(workerScript, {
      eval: true,
      workerData: { driver, filename: this.filename, delayMs: checkpointDelayMs },
      // It runs one pragma: a small heap keeps its memory small (2 MB less resident).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
    const exited = new Promise<void>((resolve) =>
      worker.once('exit', () => {
        // A thread that died is replaced at the next commit.
        if (this.worker === worker) this.retire();
        resolve();
      }),
    );
    this.ended = Promise.all([this.ended, exited]).then(() => {});
    // Should it fail, the writer's own checkpoint (the backstop) keeps the WAL bounded.
    worker.on('error', () => {});
    worker.unref();
    this.idleTimer = setTimeout(() => this.retire(), this.options.idleMs).unref();
    return worker;
  }

  /** Ends the thread once it has closed its connection; a later commit starts another. */
  private retire(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    const worker = this.worker;
    this.worker = null;
    if (!worker) return;
    // Held until it has closed its connection: an unreferenced worker would let the process end.
    worker.ref();
    worker.postMessage('stop');
  }
}
