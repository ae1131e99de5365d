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
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

/**
 * Checkpoints a SQLite database in WAL mode from a thread of its own, so that copying pages back
 * into the database file, and the two fsyncs that go with it, never stop the event loop. (The
 * writer's own automatic checkpoint, which would run inside a COMMIT, stays on as a backstop at a
 * larger size.)
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(filename: string) {
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(workerScript, {
      eval: true,
      workerData: { driver, filename, delayMs: checkpointDelayMs },
      // It runs one pragma: a small heap keeps its memory small (2 MB less resident).
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
    // Should it fail, the writer's own checkpoint (the backstop) keeps the WAL bounded.
    this.worker.on('error', () => {});
    this.worker.unref();
  }

  /** Something was committed: a checkpoint follows shortly. */
  committed = (): void => {
    this.worker.postMessage('committed');
  };

  async stop(): Promise<void> {
    // Held until it has closed its connection: an unreferenced worker would let the process end.
    this.worker.ref();
    this.worker.postMessage('stop');
    await this.exited;
  }
}
