import AjvCompiler from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';
import { forSerializing } from './response-serializer.js';

/** A route's compiled function, made on the first call instead of when the route is added. */
function onFirstUse<Route, Compiled extends (...args: never[]) => unknown>(
  compile: (route: Route) => Compiled,
): (route: Route) => Compiled {
  return (route) => {
    let compiled: Compiled | undefined;
    const current = () => {
      compiled ??= compile(route);
      return compiled;
    };
    const call = (...args: Parameters<Compiled>) => current()(...args);
    // Fastify reads what Ajv leaves on a validator: `errors` after a call, `schemaEnv` before one.
    Object.defineProperty(call, 'errors', { get: () => (current() as { errors?: unknown }).errors });
    Object.defineProperty(call, 'schemaEnv', { get: () => (current() as { schemaEnv?: unknown }).schemaEnv });
    return call as unknown as Compiled;
  };
}

/**
 * Fastify's own schema compilers, with its own options, run on each route's first request
 * instead of before the server listens: compiling every route's validators and serializers up
 * front was a quarter of the time from start to first answer. Each route pays a few
 * milliseconds once. Response schemas are first made cheaper to serialize (`forSerializing`).
 */
export const lazySchemaCompilers: NonNullable<FastifyServerOptions['schemaController']> = {
  compilersFactory: {
    buildValidator: (externalSchemas, options) => onFirstUse(AjvCompiler()(externalSchemas, options)),
    buildSerializer: (externalSchemas, options) => {
      const compile = SerializerSelector()(externalSchemas, options);
      return onFirstUse((route) => compile({ ...route, schema: forSerializing(route.schema) }));
    },
  },
};
