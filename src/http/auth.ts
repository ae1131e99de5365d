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
  const refused = (reason: string) =>
    new DomainError('invalid_api_key_error', 'The API key you sent is not valid.', { reason });
  /** Lets the caller in (undefined), or says why not. */
  const admit = (request: FastifyRequest, caller: Caller): DomainError | undefined => {
    request.caller = caller;
    // Checked before anything else runs, so not even an idempotent replay reaches a production key.
    if (request.routeOptions.config.sandboxOnly && caller.environment !== 'sandbox') {
      return new DomainError('environment_mismatch_error', 'Simulations can only be run with a sandbox API key.');
    }
    const retryAfter = limiters[caller.environment]?.take(caller.apiKeyId) ?? 0;
    if (retryAfter > 0) {
      return new DomainError('rate_limited_error', 'Too many requests for this API key; slow down and retry.', {
        retry_after: retryAfter,
      });
    }
    return undefined;
  };
  // A plain callback, not an async hook: a key remembered from a moment ago (ApiKeys) lets the
  // request in without a promise or a turn of the microtask queue.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    if (!header) {
      return done(
        new DomainError('invalid_api_key_error', 'Send your API key in the Authorization header as "Bearer <key>".', {
          reason: 'no_header',
        }),
      );
    }
    const key = bearer.exec(header)?.[1];
    if (!key) return done(refused('no_credential'));
    const { keyHash, caller } = apiKeys.remembered(key);
    if (caller) return done(admit(request, caller));
    apiKeys.lookUp(db.db, keyHash).then(
      (result) => done(result.ok ? admit(request, result.caller) : refused(result.reason)),
      (error: Error) => done(error),
    );
  });
}
