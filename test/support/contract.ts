import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/**
 * Checks response bodies against Increase's own OpenAPI document: the onboarding slice of it,
 * kept in reference/ so that a clone runs its tests anywhere.
 */
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const referencePath = path.resolve(repoRoot, 'reference/increase-openapi.json');

interface Operation {
  responses: Record<string, { $ref?: string; content?: { 'application/json'?: { schema: unknown } } }>;
}
type Document = {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, { content: { 'application/json': { schema: unknown } } }> };
};

const document = JSON.parse(fs.readFileSync(referencePath, 'utf8')) as Document;
const ajv = new Ajv2020.default({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document as object, 'increase');

const routes = Object.entries(document.paths).map(([template, operations]) => ({
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  template,
  operations,
}));

/** The reference schema for a response, or null when the reference does not describe the path. */
function schemaRefFor(method: string, pathname: string, status: number): string | null {
  const route = routes.find((r) => r.pattern.test(pathname));
  const operation = route?.operations[method.toLowerCase()];
  if (!route || !operation) return status >= 400 ? '#/components/schemas/error' : null;
  const key = String(status) in operation.responses ? String(status) : `${String(status)[0]}XX`;
  const response = operation.responses[key];
  if (!response) return null;
  if (response.$ref) return '#/components/schemas/error';
  const escaped = route.template.replaceAll('~', '~0').replaceAll('/', '~1');
  return `#/paths/${escaped}/${method.toLowerCase()}/responses/${key}/content/application~1json/schema`;
}

export interface Violation {
  request: string;
  status: number;
  errors: string;
}

/**
 * Onboard's documented extension categories (README, "Webhooks"): Events about sessions, in
 * Increase's shape. The reference's category enums cannot know them, so an Event's `category`
 * and a subscription's `selected_event_categories[].event_category` holding one of exactly these
 * are checked as if they held `entity.created`; any other value is still checked as sent.
 */
const extensionCategories = new Set(['entity_onboarding_session.created', 'entity_onboarding_session.updated']);
const standIn = 'entity.created';

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A copy of one Event or Event Subscription with extension categories replaced; anything else as is. */
function withStandInCategories(object: unknown): unknown {
  if (!isObject(object)) return object;
  if (object.type === 'event' && extensionCategories.has(object.category as string)) {
    return { ...object, category: standIn };
  }
  if (object.type === 'event_subscription' && Array.isArray(object.selected_event_categories)) {
    return {
      ...object,
      selected_event_categories: object.selected_event_categories.map((selected: unknown) =>
        isObject(selected) && extensionCategories.has(selected.event_category as string)
          ? { ...selected, event_category: standIn }
          : selected,
      ),
    };
  }
  return object;
}

/** The body to validate: a single object, or a list's `data`, with extension categories stood in for. */
function forValidation(body: unknown): unknown {
  if (isObject(body) && Array.isArray(body.data) && 'next_cursor' in body) {
    return { ...body, data: body.data.map(withStandInCategories) };
  }
  return withStandInCategories(body);
}

/** Validates one response body; returns what is wrong, or null. */
export function checkResponse(method: string, url: string, status: number, body: unknown): Violation | null {
  const pathname = new URL(url).pathname;
  const ref = schemaRefFor(method, pathname, status);
  if (!ref) return null;
  const validate = ajv.getSchema(`increase${ref}`);
  if (!validate) throw new Error(`no schema at ${ref}`);
  if (validate(forValidation(body))) return null;
  return { request: `${method} ${pathname}`, status, errors: ajv.errorsText(validate.errors) };
}

/**
 * A fetch for the SDK that checks every JSON body it receives against the reference and
 * records what does not match, for the test to assert on.
 */
export function contractFetch(violations: Violation[]): typeof fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = typeof input === 'string' ? input : input instanceof URL ? input.toString() : input.url;
    const method = init?.method ?? 'GET';
    if (response.headers.get('content-type')?.includes('application/json')) {
      const body: unknown = await response.clone().json();
      const violation = checkResponse(method, url, response.status, body);
      if (violation) violations.push(violation);
    }
    return response;
  };
}
