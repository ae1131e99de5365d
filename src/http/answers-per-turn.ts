import type { FastifyInstance } from 'fastify';

/**
 * Answers made during one turn of the event loop are written together at its end. A server
 * slower than its clients pays for every answer's write with a wake-up of the client that waits
 * for it; answers written back to back find their clients awake. On a bare node:http server that
 * spends 40 µs per request, that took 84 µs of CPU per request down to 67 (docs/benchmarks.md,
 * #43).
 *
 * An answer waits for the end of its turn, or until the turn makes another answer `maxWaitMs`
 * or more after it: then a long turn (a burst of large pages) writes what it has made so far,
 * so that its clients read those answers while it makes the rest, rather than each side waiting
 * for the other. Half a millisecond served lists of 100 better than one or two, and retrieves
 * as well.
 */
export function writeAnswersPerTurn(app: FastifyInstance, maxWaitMs = 0.5): void {
  let waiting: Array<() => void> = [];
  let firstMadeAt = 0;
  let scheduled = false;
  const writeAll = () => {
    const answers = waiting;
    waiting = [];
    for (const write of answers) {
      // One answer that cannot be written must not hold back the others.
      try {
        write();
      } catch (error) {
        app.log.error({ err: error }, 'writing an answer failed');
      }
    }
  };
  const writeAtEndOfTurn = () => {
    scheduled = false;
    writeAll();
  };
  app.addHook('onSend', (_request, _reply, payload, done) => {
    waiting.push(() => done(null, payload));
    if (waiting.length === 1) {
      firstMadeAt = performance.now();
    } else if (performance.now() - firstMadeAt >= maxWaitMs) {
      writeAll();
      return;
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(writeAtEndOfTurn);
    }
  });
}
