import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeAnswersPerTurn } from '../../src/http/answers-per-turn.js';

let app: FastifyInstance;
let url: string;
/** What the server did, in order: `made n` when a handler answers, `written n` when Node.js is given the answer. */
const events: string[] = [];

beforeAll(async () => {
  app = Fastify();
  writeAnswersPerTurn(app);
  app.addHook('onRequest', (request, reply, done) => {
    const end = reply.raw.end.bind(reply.raw) as (...args: unknown[]) => unknown;
    const n = (request.params as { n?: string }).n ?? request.url.split('/').pop();
    reply.raw.end = ((...args: unknown[]) => {
      events.push(`written ${n}`);
      return end(...args);
    }) as typeof reply.raw.end;
    done();
  });
  app.get('/answer/:n', async (request) => {
    const { n } = request.params as { n: string };
    if (events.length === 0) setImmediate(() => events.push('next turn'));
    events.push(`made ${n}`);
    return { n: Number(n) };
  });
  app.get('/broken/:n', async () => {
    throw new Error('no answer');
  });
  url = await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());

describe('answers made in one turn of the event loop', () => {
  it('are written together once the turn has made them all, each to its own request', async () => {
    events.length = 0;
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
});
