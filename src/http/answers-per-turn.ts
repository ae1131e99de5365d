import type { FastifyInstance } from 'fastify';

/**
 * Answers made during one turn of the event loop are written together at its end. A server
 * slower than its clients pays for every answer's write with a wake-up of the client that waits
 * for it; answers written back to back find their clients awake. On a bare node:http server that
 * spends 40 µs per request, that took 84 µs of CPU per request down to 67 (docs/benchmarks.md,
 * #43). An answer waits at most for the rest of the turn it was made in.
 */
export function writeAnswersPerTurn(app: FastifyInstance): void {
  let waiting: Array<() => void> = [];
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
  app.addHook('onSend', (_request, _reply, payload, done) => {
    if (waiting.length === 0) setImmediate(writeAll);
    waiting.push(() => done(null, payload));
  });
}
