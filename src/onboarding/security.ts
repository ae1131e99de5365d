import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * What keeps the form's pages safe to show: the session token in the URL is a bearer secret,
 * so no page leaks it (no referrer, no caching), runs only our own script, cannot be framed,
 * and only accepts posts that carry the token the page was rendered with.
 */

export const baseHeaders = {
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

/** The policy for a page: our own script and style only, forms to us and the platform's redirect. */
export function contentSecurityPolicy(options: {
  imageOrigin?: string;
  formTarget?: string;
  styleHash?: string;
}): string {
  const origin = (url: string | undefined) => {
    if (!url) return '';
    try {
      return ` ${new URL(url).origin}`;
    } catch {
      return '';
    }
  };
  return [
    "default-src 'none'",
    "script-src 'self'",
    `style-src 'self'${options.styleHash ? ` '${options.styleHash}'` : ''}`,
    `img-src 'self' blob:${origin(options.imageOrigin)}`,
    // Chromium applies form-action to the redirect that follows a post, so the platform's origin is listed.
    `form-action 'self'${origin(options.formTarget)}`,
    "frame-ancestors 'none'",
    "base-uri 'none'",
  ].join('; ');
}

export const styleHash = (css: string) => `sha256-${createHash('sha256').update(css).digest('base64')}`;

/** A token bound to the session, for every post; derived, so no extra state is kept. */
export const csrfToken = (secret: Buffer, sessionId: string) =>
  createHmac('sha256', secret).update(`onboarding-form:${sessionId}`).digest('base64url');

export function csrfMatches(secret: Buffer, sessionId: string, sent: string | undefined): boolean {
  const expected = Buffer.from(csrfToken(secret, sessionId));
  const given = Buffer.from(sent ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Pages and assets leave compressed: brotli where the browser takes it, else gzip. */
export async function compress(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
  if (typeof payload !== 'string' && !Buffer.isBuffer(payload)) return payload;
  if (reply.getHeader('content-encoding')) return payload;
  const accepted = String(request.headers['accept-encoding'] ?? '');
  reply.header('vary', 'accept-encoding');
  const body = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  if (body.length < 512) return payload;
  let compressed: Buffer;
  if (/\bbr\b/.test(accepted)) {
    compressed = brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5 } });
    reply.header('content-encoding', 'br');
  } else if (/\bgzip\b/.test(accepted)) {
    compressed = gzipSync(body, { level: 6 });
    reply.header('content-encoding', 'gzip');
  } else {
    return payload;
  }
  reply.removeHeader('content-length');
  return compressed;
}
