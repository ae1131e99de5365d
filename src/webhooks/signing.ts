import { createHmac } from 'node:crypto';

/**
 * The Standard Webhooks headers for one delivery: `webhook-id`, `webhook-timestamp` and a
 * `v1` HMAC-SHA256 signature of `id.timestamp.body`, keyed with the subscription's shared
 * secret, which is what the Increase SDK's `events.unwrap(body, { headers, key })` verifies.
 */
export function webhookHeaders(
  sharedSecret: string,
  messageId: string,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', Buffer.from(sharedSecret, 'utf8'))
    .update(`${messageId}.${timestamp}.${body}`)
    .digest('base64');
  return {
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': `v1,${signature}`,
  };
}
