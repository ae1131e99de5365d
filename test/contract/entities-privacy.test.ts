import type Increase from 'increase';
import { toFile } from 'increase';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { Database } from '../../src/storage/database.js';
import { person, usAddress, yearsFromToday } from '../support/entities.js';
import { jpeg } from '../support/files.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Personal numbers and dates of birth are kept encrypted: they never appear in clear in the
 * database, full numbers never leave in a response, and neither appears in the logs.
 */
let server: TestServer;
let client: Increase;
/** The text of every response of the run. */
const responses: string[] = [];

/** Distinctive values, each valid where it is used. */
const secret = {
  ssn: '512345678',
  updatedSsn: '534567890',
  ownerSsn: '523456789',
  itin: '987654321',
  ein: '123456789',
  trustEin: '456789012',
  authorityEin: '531987654',
  passport: 'X9Q7P5R3T',
  ownerPassport: 'K4L8M2N6V',
};
const numbers = Object.values(secret);

/** Dates of birth, and the ways a date could be written down. */
const birthDates = ['1961-07-23', '1958-11-04', '1970-03-15', '1949-09-30'];
const spellings = (date: string) => {
  const [y, m, d] = date.split('-') as [string, string, string];
  return [date, `${m}/${d}/${y}`, `${y}${m}${d}`, `${d}/${m}/${y}`, `${y}/${m}/${d}`, `${d}.${m}.${y}`];
};
const datesOfBirth = birthDates.flatMap(spellings);

let keys = 0;

/**
 * A raw request whose answer is kept for the response check. Writes carry an Idempotency-Key,
 * as the SDK sends one with every POST.
 */
async function call(method: string, path: string, body?: unknown, idempotencyKey = `privacy-${++keys}`) {
  const headers: Record<string, string> = {
    authorization: `Bearer ${server.apiKey}`,
    'content-type': 'application/json',
  };
  if (method !== 'GET') headers['idempotency-key'] = idempotencyKey;
  const response = await server.request(method, path, {
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  responses.push(response.text);
  return response;
}

async function created<T>(method: string, path: string, body: unknown): Promise<T> {
  const response = await call(method, path, body);
  expect(response.status, response.text).toBe(200);
  return response.body as T;
}

/** The first write of the run, sent with the key privacy-1. */
const firstBody = {
  structure: 'natural_person',
  natural_person: {
    ...person(1),
    date_of_birth: birthDates[0],
    identification: { method: 'social_security_number', number: secret.ssn },
  },
};

const abroad = { line1: 'Rue de Rivoli 10', city: 'Paris', zip: '75001', country: 'FR' };
let entityIds: string[] = [];

beforeAll(async () => {
  server = await startTestServer();
  client = server.client();
  const file = await client.files.create({ file: await toFile(jpeg, 'passport.jpg'), purpose: 'identity_document' });
  const passport = (number: string) => ({
    method: 'passport',
    number,
    passport: { file_id: file.id, expiration_date: yearsFromToday(4), country: 'FR' },
  });

  const individual = await created<Increase.Entity>('POST', '/entities', firstBody);
  const itinHolder = await created<Increase.Entity>('POST', '/entities', {
    structure: 'natural_person',
    natural_person: {
      ...person(2),
      date_of_birth: birthDates[1],
      identification: { method: 'individual_taxpayer_identification_number', number: secret.itin },
    },
  });
  const passportHolder = await created<Increase.Entity>('POST', '/entities', {
    structure: 'natural_person',
    natural_person: {
      ...person(3),
      address: abroad,
      date_of_birth: birthDates[2],
      confirmed_no_us_tax_id: true,
      identification: passport(secret.passport),
    },
  });
  const company = await created<Increase.Entity>('POST', '/entities', {
    structure: 'corporation',
    corporation: {
      name: 'Privacy Test Corp',
      legal_identifier: { value: secret.ein },
      address: { ...usAddress, line1: '1 Private Road' },
      beneficial_owners: [
        {
          individual: {
            ...person(4),
            date_of_birth: birthDates[3],
            identification: { method: 'social_security_number', number: secret.ownerSsn },
          },
          prongs: ['ownership', 'control'],
        },
      ],
    },
  });
  const owner = await created<Increase.EntityBeneficialOwner>('POST', '/entity_beneficial_owners', {
    entity_id: company.id,
    individual: {
      ...person(5),
      address: abroad,
      date_of_birth: birthDates[0],
      confirmed_no_us_tax_id: true,
      identification: passport(secret.ownerPassport),
    },
    prongs: ['ownership'],
  });
  const trust = await created<Increase.Entity>('POST', '/entities', {
    structure: 'trust',
    trust: {
      name: 'Privacy Trust',
      category: 'irrevocable',
      tax_identifier: secret.trustEin,
      address: { line1: '2 Trust Lane', city: 'Albany', state: 'NY', zip: '12207' },
      trustees: [{ structure: 'individual', individual: { ...person(6), date_of_birth: birthDates[1] } }],
    },
  });
  const authority = await created<Increase.Entity>('POST', '/entities', {
    structure: 'government_authority',
    government_authority: {
      name: 'Privacy Authority',
      category: 'municipality',
      tax_identifier: secret.authorityEin,
      address: { line1: '3 City Hall', city: 'Albany', state: 'NY', zip: '12207' },
      authorized_persons: [{ name: 'Clerk' }],
    },
  });
  await created('PATCH', `/entities/${individual.id}`, {
    natural_person: { identification: { method: 'social_security_number', number: secret.updatedSsn } },
  });
  await created('PATCH', `/entity_beneficial_owners/${owner.id}`, { address: { ...abroad, line1: 'Rue du Bac 5' } });

  // Refused requests that carry the numbers must not echo them either.
  const refused = await call('POST', '/entities', {
    structure: 'natural_person',
    natural_person: {
      ...person(7),
      date_of_birth: birthDates[0],
      address: { ...usAddress, zip: '1' },
      identification: { method: 'social_security_number', number: secret.ssn },
    },
  });
  expect(refused.status).toBe(400);
  const malformed = await call('POST', '/entities', {
    structure: 'corporation',
    corporation: { name: 'X', legal_identifier: { value: secret.ein, category: secret.ssn } },
  });
  expect(malformed.status).toBe(400);

  entityIds = [individual, itinHolder, passportHolder, company, trust, authority].map((e) => e.id);
  for (const id of entityIds) await call('GET', `/entities/${id}`);
  await call('GET', '/entities?limit=100');
  await call('GET', `/entity_beneficial_owners?entity_id=${company.id}`);
  await call('GET', `/entity_beneficial_owners/${owner.id}`);
});
afterAll(() => server.stop());
afterEach(() => {
  expect(server.violations).toEqual([]);
});

/** Every row of every table, as text, by table. */
async function databaseDump(): Promise<Record<string, string>> {
  const database = Database.open(parseDatabaseUrl(server.databaseUrl));
  try {
    const dump: Record<string, string> = {};
    for (const { name } of await database.db.introspection.getTables()) {
      // biome-ignore lint/suspicious/noExplicitAny: every table, whatever its columns
      const rows = await (database.db as any).selectFrom(name).selectAll().execute();
      dump[name] = JSON.stringify(rows);
    }
    return dump;
  } finally {
    await database.close();
  }
}

/** The secrets found in clear in `text`. */
const inClear = (text: string, values: string[]) => values.filter((value) => text.includes(value));

describe('the database', () => {
  let dump: Record<string, string>;

  beforeAll(async () => {
    dump = await databaseDump();
  });

  it('holds no personal number or date of birth in clear in entities and entity_beneficial_owners', () => {
    // The rows were read: the Entities and owners are there, by id and in number.
    const entities = JSON.parse(dump.entities as string) as { id: string }[];
    expect(entities.map((row) => row.id).sort()).toEqual([...entityIds].sort());
    expect((JSON.parse(dump.entity_beneficial_owners as string) as unknown[]).length).toBe(2);
    for (const table of ['entities', 'entity_beneficial_owners']) {
      expect(inClear(dump[table] as string, [...numbers, ...datesOfBirth]), table).toEqual([]);
    }
  });

  it('holds none of them in clear in any other table either (idempotency keys keep answers)', () => {
    expect(Object.keys(dump)).toEqual(expect.arrayContaining(['idempotency_keys', 'entity_changes', 'files']));
    // The stored answers are there: the replay test below depends on them.
    expect(dump.idempotency_keys).toContain('privacy-1');
    for (const [table, text] of Object.entries(dump)) {
      expect(inClear(text, [...numbers, ...datesOfBirth]), table).toEqual([]);
    }
  });
});

describe('the API', () => {
  it('never returns a full SSN, ITIN, EIN or passport number', () => {
    const all = responses.join('\n');
    // The responses are the real ones: they show the last four and the dates of birth.
    expect(all).toContain('"number_last4":"5678"');
    expect(all).toContain('"value":"*****6789"');
    expect(all).toContain(birthDates[0]);
    for (const value of numbers) expect(all.includes(value), `a response holds ${value}`).toBe(false);
  });

  it('replays a write without the numbers', async () => {
    const replay = await call('POST', '/entities', firstBody, 'privacy-1');
    expect(replay.status).toBe(200);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.text).toContain('"number_last4":"5678"');
    expect(inClear(replay.text, numbers)).toEqual([]);
  });

  it('answers through the SDK with the numbers masked too', async () => {
    const everything = JSON.stringify(await client.entities.list({ limit: 100 }));
    expect(everything).toContain('"tax_identifier":"*****9012"');
    for (const value of numbers) expect(everything).not.toContain(value);
  });
});

describe('the logs', () => {
  it('hold no personal number and no date of birth', async () => {
    await server.logsSettled();
    const logs = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(10);
    for (const value of [...numbers, ...datesOfBirth]) {
      expect(logs.includes(value), `the logs hold ${value}`).toBe(false);
    }
  });
});
