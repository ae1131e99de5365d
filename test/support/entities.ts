import Increase from 'increase';
import { expect } from 'vitest';

/** Well-formed Entity details for the contract tests, and helpers to read their failures. */

type Individual = Increase.EntityCreateParams.NaturalPerson;
type Address = Individual['address'];

export const usAddress = {
  line1: '33 Liberty Street',
  city: 'New York',
  state: 'NY',
  zip: '10045',
  country: 'US',
} satisfies Address;

/** An address for the structures whose address is always in the US (no country). */
export const usOnlyAddress = { line1: '1 Main Street', line2: 'Suite 200', city: 'Albany', state: 'NY', zip: '12207' };

/** A valid SSN, different for each `n` from 1 to 9999: area 512, group 34. */
export const ssn = (n: number) => `51234${String(n).padStart(4, '0')}`;

/** An adult with an SSN; `n` makes the name, number and date of birth differ between people. */
export function person(n: number, overrides: Partial<Individual> = {}): Individual {
  return {
    name: `Person Number${n}`,
    date_of_birth: `19${50 + (n % 40)}-0${1 + (n % 9)}-1${n % 10}`,
    address: { ...usAddress },
    identification: { method: 'social_security_number', number: ssn(n) },
    ...overrides,
  };
}

export const naturalPerson = (n: number, overrides: Partial<Individual> = {}): Increase.EntityCreateParams => ({
  structure: 'natural_person',
  natural_person: person(n, overrides),
});

type Corporation = Increase.EntityCreateParams.Corporation;

/** A corporation with one owner who has both prongs. */
export function corporation(n: number, overrides: Partial<Corporation> = {}): Increase.EntityCreateParams {
  return {
    structure: 'corporation',
    corporation: {
      name: `Company Number${n} Inc`,
      legal_identifier: { value: '123456789' },
      address: { ...usAddress, line1: '100 Market Street' },
      industry_code: '5132',
      beneficial_owners: [{ individual: person(n * 10 + 1), prongs: ['ownership', 'control'] }],
      ...overrides,
    },
  };
}

type APIError = InstanceType<typeof Increase.APIError>;

/** The error a call fails with; fails the test if it succeeds. */
export async function failureOf(call: Promise<unknown>): Promise<APIError> {
  return call.then(
    (value) => {
      throw new Error(`expected the request to fail, it answered ${JSON.stringify(value)}`);
    },
    (error: unknown) => {
      if (!(error instanceof Increase.APIError)) throw error;
      return error;
    },
  );
}

/** The `field` of every error a 400 lists. */
export const fieldsOf = (error: APIError) =>
  ((error.error as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field);

/** Asserts an invalid_parameters_error naming `fields` (and maybe more); returns every field named. */
export async function expectInvalid(call: Promise<unknown>, ...fields: string[]): Promise<string[]> {
  const error = await failureOf(call);
  expect(error).toBeInstanceOf(Increase.InvalidParametersError);
  expect(error.status).toBe(400);
  expect(error.error).toMatchObject({ type: 'invalid_parameters_error', status: 400 });
  const named = fieldsOf(error);
  for (const field of fields) expect(named).toContain(field);
  return named;
}

/** Asserts a 409 invalid_operation_error that the SDK is told not to retry. */
export async function expectInvalidOperation(call: Promise<unknown>): Promise<APIError> {
  const error = await failureOf(call);
  expect(error).toBeInstanceOf(Increase.InvalidOperationError);
  expect(error.status).toBe(409);
  expect(error.headers?.get('x-should-retry')).toBe('false');
  return error;
}

/** Every Entity of the client's group, newest first, all statuses. */
export async function allEntities(client: Increase): Promise<Increase.Entity[]> {
  const entities: Increase.Entity[] = [];
  for await (const entity of client.entities.list({ status: { in: ['active', 'archived', 'disabled'] } })) {
    entities.push(entity);
  }
  return entities;
}

/** A date `years` years from today (negative: in the past), as YYYY-MM-DD. */
export function yearsFromToday(years: number, days = 0): string {
  const date = new Date();
  date.setUTCFullYear(date.getUTCFullYear() + years);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}
