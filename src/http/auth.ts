import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiKeys, type Caller } from '../domain/access.js';
import { DomainError } from '../domain/errors.js';
import { RateLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Simulations: only sandbox API keys may call the route. */
    sandboxOnly?: boolean;
  }
  interface FastifyRequest {
    /** The authenticated API key's group and environment; set on every API route. */
    caller: Caller;
  }
}

const bearer = /^Bearer\s+(\S+)\s*$/i;

/**
 * Requires `Authorization: Bearer <key>` on every route registered in this scope, keeps
 * sandbox-only routes to sandbox keys, and applies the per-key rate limit of the key's environment.
 */
export function requireApiKey(app: FastifyInstance): void {
  const { db } = app.services;
  const apiKeys = new ApiKeys();
  const { rateLimits } = app.services.config;
  const limiters = {
    sandbox: rateLimits.sandbox > 0 ? new RateLimiter(rateLimits.sandbox) : null,
    production: rateLimits.production > 0 ? new RateLimiter(rateLimits.production) : null,
  };
  app.decorateRequest('caller', null as unknown as Caller);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    if (!header) {
      throw new DomainError(
        'invalid_api_key_error',
        'Send your API key in the Authorization header as "Bearer <key>".',
        {
          reason: 'no_header',
        },
      );
    }
    const key = bearer.exec(header)?.[1];
    const result = key ? await apiKeys.authenticate(db.db, key) : ({ ok: false, reason: 'no_credential' } as const);
    if (!result.ok) {
      throw new DomainError('invalid_api_key_error', 'The API key you sent is not valid.', { reason: result.reason });
    }
    request.caller = result.caller;
    // Checked before anything else runs, so not even an idempotent replay reaches a production key.
    if (request.routeOptions.config.sandboxOnly && result.caller.environment !== 'sandbox') {
      throw new DomainError('environment_mismatch_error', 'Simulations can only be run with a sandbox API key.');
    }
    const retryAfter = limiters[result.caller.environment]?.take(result.caller.apiKeyId) ?? 0;
    if (retryAfter > 0) {
      throw new DomainError('rate_limited_error', 'Too many requests for this API key; slow down and retry.', {
        retry_after: retryAfter,
      });
    }
  });
}
