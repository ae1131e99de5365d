/**
 * Formats of US taxpayer numbers, including the ranges the SSA and IRS never issue, so that a
 * typo is caught while the customer is still on the page.
 */

const nineDigits = /^\d{9}$/;

/** Why `value` is not a Social Security Number, or null. */
export function ssnProblem(value: string): string | null {
  if (!nineDigits.test(value)) return 'must be nine digits with no dashes or spaces';
  const area = Number(value.slice(0, 3));
  if (area === 0 || area === 666 || area >= 900) return 'is not a Social Security Number the SSA issues';
  if (value.slice(3, 5) === '00' || value.slice(5) === '0000') return 'is not a Social Security Number the SSA issues';
  return null;
}

/** Why `value` is not an Individual Taxpayer Identification Number, or null. */
export function itinProblem(value: string): string | null {
  if (!nineDigits.test(value)) return 'must be nine digits with no dashes or spaces';
  // ITINs start with 9; the fourth and fifth digits are 50-65, 70-88, 90-92 or 94-99.
  const group = Number(value.slice(3, 5));
  const issued =
    (group >= 50 && group <= 65) || (group >= 70 && group <= 88) || (group >= 90 && group <= 92) || group >= 94;
  if (value[0] !== '9' || !issued) return 'is not an ITIN the IRS issues';
  return null;
}

/** EIN prefixes the IRS has never assigned (its published list of campus and internet prefixes). */
const unassignedEinPrefixes = new Set([
  '00',
  '07',
  '08',
  '09',
  '17',
  '18',
  '19',
  '28',
  '29',
  '49',
  '69',
  '70',
  '78',
  '79',
  '89',
  '96',
  '97',
]);

/** Why `value` is not an Employer Identification Number, or null. */
export function einProblem(value: string): string | null {
  if (!nineDigits.test(value)) return 'must be nine digits with no dashes or spaces';
  if (unassignedEinPrefixes.has(value.slice(0, 2))) return 'is not an EIN the IRS issues';
  return null;
}

/** The last four characters of an identification number, as the API shows it. */
export const last4 = (value: string) => value.slice(-4);

/** A tax identifier as the API shows it: all but the last four characters hidden. */
export const masked = (value: string) => `${'*'.repeat(Math.max(0, value.length - 4))}${last4(value)}`;
