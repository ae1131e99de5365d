import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';

/** Where a delivery connects: the URL, and the vetted address its host resolved to (if pinned). */
export interface Target {
  url: URL;
  /** Connect here rather than resolving again, so a DNS answer cannot change after the check. */
  address?: { address: string; family: 4 | 6 };
}

export interface PostResult {
  status: number | null;
  error: string | null;
}

const maxResponseBytes = 64 * 1024;

/**
 * One POST of a webhook body: no redirects followed, a hard timeout, and the response body read
 * (up to a limit) and thrown away. Never throws: a failure is a result.
 */
export function postWebhook(
  target: Target,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<PostResult> {
  return new Promise((resolve) => {
    const { url, address } = target;
    const lookup: LookupFunction | undefined = address
      ? (_hostname, options, callback) => {
          if (options.all) callback(null, [address]);
          else callback(null, address.address, address.family);
        }
      : undefined;
    const request = (url.protocol === 'https:' ? https : http).request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
          'user-agent': 'Onboard-Webhooks/1',
          ...headers,
        },
        lookup,
        timeout: timeoutMs,
      },
      (response) => {
        let received = 0;
        response.on('data', (chunk: Buffer) => {
          received += chunk.length;
          if (received > maxResponseBytes) response.destroy();
        });
        const done = () => resolve({ status: response.statusCode ?? null, error: null });
        response.on('end', done);
        response.on('close', done);
      },
    );
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', (error) => resolve({ status: null, error: error.message }));
    request.on('close', () => clearTimeout(deadline));
    request.end(body);
  });
}
