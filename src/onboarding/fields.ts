import { createRequire } from 'node:module';
// Not the main entry, which registers names in 78 languages (700 KB of the bundle): the form's two are below.
import countries from 'i18n-iso-countries/index.js';
import type { Lang, MessageKey, Messages } from './messages/index.js';

/**
 * The inputs of the form. Each is named by the JSON path of the Entity parameter it fills
 * (`natural_person.address.zip`), so an error the Entity rules report at a path lands on the
 * input of that name.
 */

export type FieldKind = 'text' | 'date' | 'email' | 'select' | 'radios' | 'checkbox' | 'checkboxes' | 'file';

export interface Option {
  value: string;
  label: string;
  hint?: string;
}

export interface Field {
  name: string;
  kind: FieldKind;
  label: MessageKey;
  /** A label that needs more than a catalog key (an owner's number). */
  labelText?: (t: Messages) => string;
  hint?: MessageKey;
  required?: boolean;
  /** What to say when it is left blank, where "Select <label>" would read badly. */
  whenBlank?: MessageKey;
  autocomplete?: string;
  inputmode?: 'numeric' | 'email' | 'url' | 'text';
  pattern?: string;
  maxlength?: number;
  width?: 'short' | 'medium';
  options?: (t: Messages, lang: Lang) => Option[];
  /** Shown masked on the review page: a tax or identity number. */
  secret?: boolean;
  /** Digits only once read: a tax id typed as 12-3456789. */
  digits?: boolean;
  /** The purpose an uploaded File gets. */
  purpose?: 'identity_document' | 'trust_formation_document';
  /** Revealed (by the script) only when another input has one of these values. */
  shownWhen?: { name: string; values: string[] };
}

/** A fieldset of the form. */
export interface Section {
  legend: (t: Messages) => string;
  fields: Field[];
  /** A repeated group (an owner) the customer may remove. */
  removable?: { group: string; index: number };
}

const require = createRequire(import.meta.url);
countries.registerLocale(require('i18n-iso-countries/langs/en.json'));
countries.registerLocale(require('i18n-iso-countries/langs/es.json'));

const countryOptions = new Map<Lang, Option[]>();
/** Every country by its name in the customer's language, the United States first. */
export function countryList(lang: Lang): Option[] {
  let list = countryOptions.get(lang);
  if (!list) {
    const names = countries.getNames(lang, { select: 'official' });
    const collator = new Intl.Collator(lang);
    list = Object.entries(names)
      .filter(([code]) => code !== 'US')
      .map(([value, label]) => ({ value, label }))
      .sort((a, b) => collator.compare(a.label, b.label));
    list.unshift({ value: 'US', label: names.US ?? 'United States' });
    countryOptions.set(lang, list);
  }
  return list;
}

export const countryName = (code: string, lang: Lang) => countries.getName(code, lang) ?? code;

const usStateNames: Record<string, string> = {
  AL: 'Alabama',
  AK: 'Alaska',
  AZ: 'Arizona',
  AR: 'Arkansas',
  CA: 'California',
  CO: 'Colorado',
  CT: 'Connecticut',
  DE: 'Delaware',
  DC: 'District of Columbia',
  FL: 'Florida',
  GA: 'Georgia',
  HI: 'Hawaii',
  ID: 'Idaho',
  IL: 'Illinois',
  IN: 'Indiana',
  IA: 'Iowa',
  KS: 'Kansas',
  KY: 'Kentucky',
  LA: 'Louisiana',
  ME: 'Maine',
  MD: 'Maryland',
  MA: 'Massachusetts',
  MI: 'Michigan',
  MN: 'Minnesota',
  MS: 'Mississippi',
  MO: 'Missouri',
  MT: 'Montana',
  NE: 'Nebraska',
  NV: 'Nevada',
  NH: 'New Hampshire',
  NJ: 'New Jersey',
  NM: 'New Mexico',
  NY: 'New York',
  NC: 'North Carolina',
  ND: 'North Dakota',
  OH: 'Ohio',
  OK: 'Oklahoma',
  OR: 'Oregon',
  PA: 'Pennsylvania',
  RI: 'Rhode Island',
  SC: 'South Carolina',
  SD: 'South Dakota',
  TN: 'Tennessee',
  TX: 'Texas',
  UT: 'Utah',
  VT: 'Vermont',
  VA: 'Virginia',
  WA: 'Washington',
  WV: 'West Virginia',
  WI: 'Wisconsin',
  WY: 'Wyoming',
  AS: 'American Samoa',
  GU: 'Guam',
  MP: 'Northern Mariana Islands',
  PR: 'Puerto Rico',
  VI: 'U.S. Virgin Islands',
  UM: 'U.S. Minor Outlying Islands',
  AA: 'Armed Forces Americas',
  AE: 'Armed Forces Europe',
  AP: 'Armed Forces Pacific',
};

const stateOptions = (): Option[] =>
  Object.entries(usStateNames).map(([value, name]) => ({ value, label: `${name} (${value})` }));

export const stateName = (code: string) => usStateNames[code] ?? code;

/** Options whose labels are catalog keys `<prefix><value>`. */
const choices =
  (prefix: string, values: readonly string[], hints = false) =>
  (t: Messages): Option[] =>
    values.map((value) => ({
      value,
      label: t[`${prefix}${value}` as MessageKey],
      hint: hints ? t[`${prefix}${value}_hint` as MessageKey] : undefined,
    }));

export const structureChoices = (values: readonly string[]) => choices('structure_', values, true);

export function addressFields(path: string, options: { us: boolean; business?: boolean }): Field[] {
  const fields: Field[] = [
    {
      name: `${path}.line1`,
      kind: 'text',
      label: 'line1',
      hint: 'line1Hint',
      required: true,
      autocomplete: 'address-line1',
      maxlength: 200,
    },
    { name: `${path}.line2`, kind: 'text', label: 'line2', autocomplete: 'address-line2', maxlength: 200 },
    {
      name: `${path}.city`,
      kind: 'text',
      label: 'city',
      required: true,
      autocomplete: 'address-level2',
      maxlength: 200,
      width: 'medium',
    },
    {
      name: `${path}.state`,
      kind: 'select',
      label: 'state',
      hint: options.us ? undefined : 'stateHint',
      required: options.us,
      autocomplete: 'address-level1',
      options: stateOptions,
    },
    {
      name: `${path}.zip`,
      kind: 'text',
      label: 'zip',
      required: options.us,
      autocomplete: 'postal-code',
      maxlength: 10,
      width: 'short',
      ...(options.us && { inputmode: 'numeric', pattern: '[0-9]{5}(-[0-9]{4})?' }),
    },
  ];
  if (!options.us) {
    fields.push({
      name: `${path}.country`,
      kind: 'select',
      label: 'country',
      required: true,
      autocomplete: 'country',
      options: (_t, lang) => countryList(lang),
    });
  }
  return fields;
}

const documentMethods = ['passport', 'drivers_license', 'other'] as const;
export const identificationChoices = choices('method_', [
  'social_security_number',
  'individual_taxpayer_identification_number',
  ...documentMethods,
]);

/** The fields of a document proving identity, revealed when its method is chosen. */
function documentFields(path: string): Field[] {
  const method = `${path}.method`;
  const when = (value: string) => ({ name: method, values: [value] });
  const file = (name: string, label: MessageKey, value: string): Field => ({
    name,
    kind: 'file',
    label,
    purpose: 'identity_document',
    shownWhen: when(value),
  });
  const expiration = (value: string): Field => ({
    name: `${path}.${value}.expiration_date`,
    kind: 'date',
    label: 'documentExpiration',
    shownWhen: when(value),
  });
  return [
    file(`${path}.passport.file_id`, 'documentFront', 'passport'),
    expiration('passport'),
    {
      name: `${path}.passport.country`,
      kind: 'select',
      label: 'documentCountry',
      options: (_t, lang) => countryList(lang),
      shownWhen: when('passport'),
    },
    file(`${path}.drivers_license.file_id`, 'documentFront', 'drivers_license'),
    file(`${path}.drivers_license.back_file_id`, 'documentBack', 'drivers_license'),
    expiration('drivers_license'),
    {
      name: `${path}.drivers_license.state`,
      kind: 'select',
      label: 'documentState',
      options: stateOptions,
      shownWhen: when('drivers_license'),
    },
    file(`${path}.other.file_id`, 'documentFront', 'other'),
    {
      name: `${path}.other.description`,
      kind: 'text',
      label: 'documentDescription',
      maxlength: 200,
      shownWhen: when('other'),
    },
    expiration('other'),
    {
      name: `${path}.other.country`,
      kind: 'select',
      label: 'documentCountry',
      options: (_t, lang) => countryList(lang),
      shownWhen: when('other'),
    },
  ];
}

export function identificationFields(path: string, confirmationName: string): Field[] {
  return [
    {
      name: `${path}.method`,
      kind: 'radios',
      label: 'identificationMethod',
      whenBlank: 'identificationMethodRequired',
      required: true,
      options: identificationChoices,
    },
    {
      name: `${path}.number`,
      kind: 'text',
      label: 'idNumber',
      hint: 'idNumberHint',
      required: true,
      autocomplete: 'off',
      maxlength: 200,
      width: 'medium',
      secret: true,
    },
    {
      name: confirmationName,
      kind: 'checkbox',
      label: 'noUsTaxId',
      hint: 'noUsTaxIdHint',
      shownWhen: { name: `${path}.method`, values: [...documentMethods] },
    },
    ...documentFields(path),
  ];
}

/** A person: who they are, where they live, how they prove it. */
export function individualSections(path: string, heading?: (t: Messages) => string): Section[] {
  const titled = (key: MessageKey) => (t: Messages) => (heading ? `${heading(t)}: ${t[key]}` : t[key]);
  return [
    {
      legend: heading ?? ((t) => t.sectionAbout),
      fields: [
        {
          name: `${path}.name`,
          kind: 'text',
          label: 'name',
          hint: 'nameHint',
          required: true,
          autocomplete: heading ? 'off' : 'name',
          maxlength: 200,
        },
        {
          name: `${path}.date_of_birth`,
          kind: 'date',
          label: 'dateOfBirth',
          required: true,
          autocomplete: heading ? 'off' : 'bday',
        },
      ],
    },
    { legend: titled('sectionAddress'), fields: addressFields(`${path}.address`, { us: false }) },
    {
      legend: titled('sectionIdentity'),
      fields: identificationFields(`${path}.identification`, `${path}.confirmed_no_us_tax_id`),
    },
  ];
}

export const einField = (name: string, label: MessageKey, required: boolean, hint: MessageKey = 'einHint'): Field => ({
  name,
  kind: 'text',
  label,
  hint,
  required,
  autocomplete: 'off',
  inputmode: 'numeric',
  pattern: '[0-9]{2}-?[0-9]{7}',
  maxlength: 10,
  width: 'medium',
  secret: true,
  digits: true,
});

export const stateSelect = (name: string, label: MessageKey, required = false): Field => ({
  name,
  kind: 'select',
  label,
  required,
  options: stateOptions,
});

export const choiceField = (
  name: string,
  label: MessageKey,
  prefix: string,
  values: readonly string[],
  kind: 'radios' | 'select' = 'radios',
): Field => ({ name, kind, label, required: true, options: choices(prefix, values) });
