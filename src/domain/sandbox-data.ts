import { randomInt } from 'node:crypto';

/** Realistic but fictitious people for the sandbox submit simulation. */

const givenNames = [
  'Ava',
  'Mateo',
  'Grace',
  'Noah',
  'Priya',
  'Samuel',
  'Lucia',
  'Ethan',
  'Mei',
  'Omar',
  'Hannah',
  'Diego',
];
const familyNames = [
  'Hernandez',
  'Okafor',
  'Nguyen',
  'Schmidt',
  'Patel',
  'Johnson',
  'Kowalski',
  'Rossi',
  'Kim',
  'Haddad',
];
const places = [
  { city: 'Columbus', state: 'OH', zip: '43215', streets: ['High St', 'Broad St', 'Gay St'] },
  { city: 'Portland', state: 'OR', zip: '97205', streets: ['Alder St', 'Salmon St', 'Park Ave'] },
  { city: 'Austin', state: 'TX', zip: '78701', streets: ['Congress Ave', 'Lavaca St', 'Brazos St'] },
  { city: 'Raleigh', state: 'NC', zip: '27601', streets: ['Fayetteville St', 'Hargett St', 'Wilmington St'] },
  { city: 'Denver', state: 'CO', zip: '80202', streets: ['Larimer St', 'Market St', 'Blake St'] },
];

const pick = <T>(items: readonly T[]): T => items[randomInt(items.length)] as T;
const digits = (n: number, min: number, max: number) => String(randomInt(min, max + 1)).padStart(n, '0');

/** An SSN in a range the SSA issues: area not 000, 666 or 900-999; group and serial not zero. */
function sandboxSsn(): string {
  let area = randomInt(1, 900);
  if (area === 666) area = 665;
  return `${String(area).padStart(3, '0')}${digits(2, 1, 99)}${digits(4, 1, 9999)}`;
}

export interface SandboxPerson {
  name: string;
  date_of_birth: string;
  address: { line1: string; city: string; state: string; zip: string; country: 'US' };
  ssn: string;
}

export function sandboxPerson(today = new Date()): SandboxPerson {
  const place = pick(places);
  const year = today.getUTCFullYear() - randomInt(21, 71);
  return {
    name: `${pick(givenNames)} ${pick(familyNames)}`,
    date_of_birth: `${year}-${digits(2, 1, 12)}-${digits(2, 1, 28)}`,
    address: {
      line1: `${randomInt(10, 2000)} ${pick(place.streets)}`,
      city: place.city,
      state: place.state,
      zip: place.zip,
      country: 'US',
    },
    ssn: sandboxSsn(),
  };
}
