import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { writeAnswersPerTurn } from '../../src/http/answers-per-turn.js';
import { sendPipelined } from '../support/pipelined.js';

/** What the server did, in order: `made n` when an answer reaches onSend, `written n` when Node.js is given it. */
const events: string[] = [];
let app: FastifyInstance | undefined;
afterEach(() => app?.close());

/**
 * A server whose routes answer `{ n }`, and `/broken/:n` with an error. `spendMs` is time each
 * answer takes after it is made and before it reaches the writer, as more work in the turn would.
 */
async function serve(options: { maxWaitMs?: number; spendMs?: number } = {}): Promise<string> {
  events.length = 0;
  app = Fastify();
  app.addHook('onRequest', (request, reply, done) => {
    const end = reply.raw.end.bind(reply.raw) as (...args: unknown[]) => unknown;
    const n = request.url.split('/').pop();
    reply.raw.end = ((...args: unknown[]) => {
      events.push(`written ${n}`);
      return end(...args);
    }) as typeof reply.raw.end;
    done();
  });
  app.addHook('onSend', (request, _reply, payload, done) => {
    if (events.length === 0) setImmediate(() => events.push('next turn'));
    const until = performance.now() + (options.spendMs ?? 0);
    while (performance.now() < until);
    events.push(`made ${request.url.split('/').pop()}`);
    done(null, payload);
  });
  writeAnswersPerTurn(app, options.maxWaitMs);
  app.get('/answer/:n', async (request) => ({ n: Number((request.params as { n: string }).n) }));
  app.get('/broken/:n', async () => {
    throw new Error('no answer');
  });
  return app.listen({ port: 0, host: '127.0.0.1' });
}

describe('answers made in one turn of the event loop', () => {
  it('are written together once the turn has made them all, each to its own request', async () => {
    const url = await serve({ maxWaitMs: 60_000 });
    const answers = await Promise.all(
      [1, 2, 3, 4].map(async (n) => {
        const response = await fetch(`${url}/${n === 3 ? 'broken' : 'answer'}/${n}`);
        return [response.status, await response.text()];
      }),
    );
    expect(answers[0]).toEqual([200, '{"n":1}']);
    expect(answers[1]).toEqual([200, '{"n":2}']);
    expect(answers[2]?.[0]).toBe(500);
    expect(answers[3]).toEqual([200, '{"n":4}']);
    // The first answer waits for the turn in which it was made to end: a write in the middle of
    // the turn would come before `next turn`.
    const firstWrite = events.findIndex((event) => event.startsWith('written'));
    expect(events.indexOf('next turn')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('next turn')).toBeLessThan(firstWrite);
    expect(events.filter((event) => event.startsWith('written')).sort()).toEqual([
      'written 1',
      'written 2',
      'written 3',
      'written 4',
    ]);
  });

  it('wait no longer than about half a millisecond when the turn goes on making more', async () => {
    const url = await serve({ spendMs: 2 });
    const received = await sendPipelined(
      url,
      [1, 2, 3].map((n) => `GET /answer/${n} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`),
    );
    expect([...received.matchAll(/\{"n":(\d)\}/g)].map((match) => match[1])).toEqual(['1', '2', '3']);
    // The first two are written as soon as the second is made, 2 ms after the first; the third
    // starts a new wait and is written at the end of the turn.
    expect(events).toEqual(['made 1', 'made 2', 'written 1', 'written 2', 'made 3', 'next turn', 'written 3']);
  });
});
