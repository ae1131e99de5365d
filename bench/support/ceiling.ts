/**
 * The ceiling: a bare `node:http` server that answers each benchmarked request with the bytes
 * Onboard answered it with (status, headers, body), captured beforehand, and does nothing else.
 * What it reaches is what Node.js itself allows on this machine. Run as
 * `node ceiling.js <port> <captured.json>`.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { CapturedResponse } from './captured.js';

const [port, file] = process.argv.slice(2);
const captured = JSON.parse(fs.readFileSync(file as string, 'utf8')) as CapturedResponse[];
// Matched on method and the whole path with its query, so `limit=10` and `limit=100` differ.
const answers = new Map(
  captured.map((c) => [
    `${c.method} ${c.path}`,
    { status: c.status, headers: c.headers.flat(), body: Buffer.from(c.body, 'utf8') },
  ]),
);
const notFound = { status: 404, headers: ['content-type', 'text/plain'], body: Buffer.from('not captured') };

const server = http.createServer((request, response) => {
  // Read the whole body first, as a real server must before it answers a POST.
  request.on('data', () => {});
  request.on('end', () => {
    const answer = answers.get(`${request.method} ${request.url}`) ?? notFound;
    response.writeHead(answer.status, answer.headers);
    response.end(answer.body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(port), '127.0.0.1');
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close(() => process.exit(0)));
