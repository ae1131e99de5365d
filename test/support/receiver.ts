import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a webhook receiver got. */
export interface ReceivedWebhook {
  headers: Record<string, string>;
  body: string;
  receivedAt: number;
  /** The status the receiver answered with. */
  answeredWith: number;
}

/**
 * A real HTTP receiver on loopback, for webhook tests: it records every request and answers
 * with the status `answer()` gives (200 unless told otherwise). It can be stopped and started
 * again on the same port, to play a platform that is down for a while.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  answer: (request: { headers: Record<string, string>; body: string }) => number = () => 200;
  private server: http.Server | null = null;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/webhooks`;
  }

  async start(): Promise<this> {
    const server = http.createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const headers = Object.fromEntries(
          Object.entries(request.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : (v ?? '')]),
        );
        const body = Buffer.concat(chunks).toString('utf8');
        const status = this.answer({ headers, body });
        this.received.push({ headers, body, receivedAt: Date.now(), answeredWith: status });
        response.writeHead(status, { 'content-type': 'text/plain' }).end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Waits until `predicate` holds for what was received, or fails after `timeoutMs`. */
  async waitFor(predicate: (received: ReceivedWebhook[]) => boolean, timeoutMs = 15_000): Promise<ReceivedWebhook[]> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.received)) {
      if (Date.now() > deadline) {
        throw new Error(`receiver: condition not met within ${timeoutMs} ms; got ${this.received.length} requests`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return this.received;
  }

  /** The Event objects received, in order. */
  events(): { id: string; category: string; associated_object_id: string }[] {
    return this.received.filter((r) => r.answeredWith < 300).map((r) => JSON.parse(r.body));
  }
}
