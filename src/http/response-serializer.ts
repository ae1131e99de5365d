/**
 * Marks a string schema whose value the server itself makes from a fixed alphabet (ids from
 * `newId`, stored timestamps, cursors, session URLs on a checked `PUBLIC_URL`): nothing in it
 * needs escaping in JSON, so the serializer writes it as it is. Never for a string a client chose
 * (a URL, an idempotency key, a name), which could then break out of its quotes. A symbol, so
 * that it never shows in `/openapi.json`.
 */
export const verbatim = Symbol('verbatim');

type Schema = { [key: string | symbol]: unknown };

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null;

/** A schema of one primitive type and nothing that needs a validator. */
const isPlainPrimitive = (schema: unknown): schema is Schema =>
  isObject(schema) &&
  typeof schema.type === 'string' &&
  !['object', 'array'].includes(schema.type) &&
  schema.anyOf === undefined &&
  schema.const === undefined;

const isNull = (schema: unknown) => isObject(schema) && schema.type === 'null' && Object.keys(schema).length === 1;

const isStringConst = (schema: unknown) => isObject(schema) && typeof schema.const === 'string';

/** Keywords whose value is a schema, a list of schemas, or a map of names to schemas. */
const subschemas = new Set(['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not']);
const schemaMaps = new Set(['properties', 'patternProperties', '$defs', 'definitions']);

const mapValues = (map: unknown) =>
  isObject(map) ? Object.fromEntries(Object.entries(map).map(([name, value]) => [name, forSerializing(value)])) : map;

/**
 * The schema fast-json-stringify serializes a response with: the same JSON out for every value the
 * schema allows, with less work per value.
 * - A string marked `verbatim` skips the escape check (format `unsafe`).
 * - `anyOf` a primitive or null becomes `type: [primitive, 'null']`, and `anyOf` string constants
 *   becomes an `enum`: fast-json-stringify checks each `anyOf` branch with an Ajv validator, per
 *   value, which for a page of 100 sessions cost more than writing them.
 */
export function forSerializing(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(forSerializing);
  if (!isObject(schema)) return schema;
  const { anyOf } = schema;
  if (Array.isArray(anyOf) && anyOf.length === 2 && anyOf.some(isNull)) {
    const [other] = anyOf.filter((branch) => !isNull(branch));
    if (isPlainPrimitive(other)) {
      const { anyOf: _, ...rest } = schema;
      return forSerializing({ ...rest, ...other, type: [other.type, 'null'] });
    }
  }
  if (Array.isArray(anyOf) && anyOf.every(isStringConst)) {
    const { anyOf: _, ...rest } = schema;
    return { ...rest, type: 'string', enum: anyOf.map((branch) => (branch as Schema).const) };
  }
  const copy: Schema = {};
  for (const [key, value] of Object.entries(schema)) {
    copy[key] = subschemas.has(key) ? forSerializing(value) : schemaMaps.has(key) ? mapValues(value) : value;
  }
  if (schema[verbatim] === true) copy.format = 'unsafe';
  return copy;
}
