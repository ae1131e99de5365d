import { FormatRegistry, type TObject, type TSchema, Type } from '@sinclair/typebox';
import { Value, ValueErrorType } from '@sinclair/typebox/value';
import {
  beneficialOwner,
  corporation,
  exemptionReasons,
  governmentAuthority,
  governmentAuthorityCategories,
  individual,
  type Structure,
  structures,
  trust,
} from '../domain/entities/params.js';
import { EntityChecks } from '../domain/entities/rules.js';
import type { FieldErrors } from '../domain/errors.js';
import {
  addressFields,
  choiceField,
  einField,
  type Field,
  individualSections,
  type Section,
  stateSelect,
  structureChoices,
} from './fields.js';
import type { MessageKey } from './messages/index.js';
import type { Progress } from './progress.js';

/**
 * The steps of the form for each structure, the Entity parameters the answers make, and the
 * checks of each step: the Entity domain's own schemas and rules, applied to the part of the
 * Entity the step asks for.
 */

/** A group the customer can repeat: owners, trustees, authorized persons. */
export interface Repeat {
  group: string;
  /** The JSON path of the list. */
  path: string;
  min: number;
  max: number;
  add: MessageKey;
}

export interface Step {
  id: string;
  title: MessageKey;
  intro?: MessageKey;
  sections(progress: Progress): Section[];
  repeat?: Repeat;
  /** Adds the errors of this step's part of `params` (the whole create request). */
  check(params: EntityDraft, checks: EntityChecks): void;
}

/** A create request being assembled from answers: possibly incomplete, checked before use. */
export type EntityDraft = Record<string, unknown> & { structure?: Structure };

FormatRegistry.Set('date', (v) => /^\d{4}-\d{2}-\d{2}$/.test(v));
FormatRegistry.Set('date-time', (v) => !Number.isNaN(Date.parse(v)));
FormatRegistry.Set('email', (v) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v));

/**
 * The JSON-schema errors of `value` at `path`, as form errors; true when there are none (or
 * when the part was not `asked` for).
 */
export function shaped(checks: EntityChecks, schema: TSchema, value: unknown, path: string, asked = true): boolean {
  if (!asked || Value.Check(schema, value)) return true;
  const seen = new Set<string>();
  for (const error of Value.Errors(schema, value)) {
    const field = [path, ...error.path.split('/').filter(Boolean)].join('.');
    if (seen.has(field) || [...seen].some((f) => field.startsWith(`${f}.`))) continue;
    seen.add(field);
    const missing = error.type === ValueErrorType.ObjectRequiredProperty;
    // A whole group left blank (an address) is named input by input.
    if (missing && error.schema.type === 'object') shaped(checks, error.schema, {}, field);
    else checks.errors.add(field, missing ? 'is required' : 'is invalid');
  }
  return false;
}

/**
 * The check of a step that asks for an organisation's own details, its people coming on the
 * next step: those details alone are shaped by `schema`, then given to the rules.
 */
function ownDetails(
  path: 'corporation' | 'trust' | 'government_authority',
  schema: TObject,
  rule: (checks: EntityChecks, details: never) => void,
): Step['check'] {
  return (draft, checks) => {
    const all = (draft[path] ?? {}) as Record<string, unknown>;
    const details = Object.fromEntries(Object.keys(schema.properties).flatMap((k) => (k in all ? [[k, all[k]]] : [])));
    if (shaped(checks, schema, details, path)) rule(checks, details as never);
  };
}

const at = (draft: EntityDraft, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], draft);

const count = (progress: Progress, repeat: Repeat) => progress.counts[repeat.group] ?? repeat.min;

const repeated = (progress: Progress, repeat: Repeat) => Array.from({ length: count(progress, repeat) }, (_, i) => i);

const personStep: Step = {
  id: 'person',
  title: 'step_person',
  sections: () => individualSections('natural_person'),
  check: (draft, checks) => {
    if (shaped(checks, individual, draft.natural_person, 'natural_person'))
      checks.individual('natural_person', draft.natural_person as never);
  },
};

const businessFields: Field[] = [
  {
    name: 'corporation.name',
    kind: 'text',
    label: 'businessName',
    required: true,
    autocomplete: 'organization',
    maxlength: 200,
  },
  einField('corporation.legal_identifier.value', 'ein', true),
  stateSelect('corporation.incorporation_state', 'incorporationState'),
  {
    name: 'corporation.industry_code',
    kind: 'text',
    label: 'industryCode',
    hint: 'industryCodeHint',
    inputmode: 'numeric',
    pattern: '[0-9]{2,6}',
    maxlength: 6,
    width: 'short',
  },
  {
    name: 'corporation.website',
    kind: 'text',
    label: 'website',
    autocomplete: 'url',
    inputmode: 'url',
    maxlength: 200,
  },
  { name: 'corporation.email', kind: 'email', label: 'email', autocomplete: 'email', maxlength: 200 },
];

const corporationDetails = Type.Omit(corporation, ['beneficial_owners', 'beneficial_ownership_exemption_reason']);

const businessStep: Step = {
  id: 'business',
  title: 'step_business',
  sections: () => [
    { legend: (t) => t.step_business, fields: businessFields },
    {
      legend: (t) => t.sectionBusinessAddress,
      fields: addressFields('corporation.address', { us: false, business: true }),
    },
  ],
  check: ownDetails('corporation', corporationDetails, (checks, details) =>
    checks.corporationDetails('corporation', details),
  ),
};

const ownersRepeat: Repeat = {
  group: 'owners',
  path: 'corporation.beneficial_owners',
  min: 1,
  max: 50,
  add: 'addOwner',
};

const ownersStep: Step = {
  id: 'owners',
  title: 'step_owners',
  intro: 'ownersIntro',
  repeat: ownersRepeat,
  sections: (progress) => [
    {
      legend: (t) => t.exemption,
      fields: [
        {
          ...choiceField('corporation.beneficial_ownership_exemption_reason', 'exemption', 'exemption_', [
            'none',
            ...exemptionReasons,
          ]),
          required: false,
        },
      ],
    },
    ...repeated(progress, ownersRepeat).flatMap((i) => {
      const path = `corporation.beneficial_owners.${i}`;
      const heading = (t: { ownerN(n: number): string }) => t.ownerN(i + 1);
      const [about, ...rest] = individualSections(`${path}.individual`, heading);
      return [
        {
          ...(about as Section),
          removable: { group: 'owners', index: i },
          fields: [
            ...(about as Section).fields,
            { name: `${path}.company_title`, kind: 'text', label: 'companyTitle', maxlength: 200 } as Field,
            {
              ...choiceField(`${path}.prongs`, 'prongs', 'prong_', ['ownership', 'control']),
              whenBlank: 'prongsRequired',
              kind: 'checkboxes',
            } as Field,
          ],
        },
        ...rest,
      ];
    }),
  ],
  check: (draft, checks) => {
    const owners = (at(draft, 'corporation.beneficial_owners') as unknown[] | undefined) ?? [];
    const exempt = at(draft, 'corporation.beneficial_ownership_exemption_reason') !== undefined;
    let allShaped = true;
    owners.forEach((owner, i) => {
      const path = `corporation.beneficial_owners.${i}`;
      if (shaped(checks, beneficialOwner, owner, path))
        checks.individual(`${path}.individual`, (owner as never as { individual: never }).individual);
      else allShaped = false;
    });
    if (allShaped && !exempt) {
      checks.ownership(
        'corporation.beneficial_owners',
        (owners as { individual: { name: string; date_of_birth: string }; prongs: ('ownership' | 'control')[] }[]).map(
          (o) => ({ ...o.individual, prongs: o.prongs }),
        ),
      );
    }
  },
};

const jointStep: Step = {
  id: 'joint',
  title: 'step_joint',
  sections: () => [0, 1].flatMap((i) => individualSections(`joint.individuals.${i}`, (t) => t.personN(i + 1))),
  check: (draft, checks) => {
    const people = (at(draft, 'joint.individuals') as unknown[] | undefined) ?? [];
    const ok = [0, 1].map((i) => shaped(checks, individual, people[i], `joint.individuals.${i}`));
    if (ok.every(Boolean)) checks.jointHolders('joint.individuals', people as never);
  },
};

const trustDetails = Type.Omit(trust, ['trustees', 'grantor']);

const trustStep: Step = {
  id: 'trust',
  title: 'step_trust',
  sections: () => [
    {
      legend: (t) => t.step_trust,
      fields: [
        { name: 'trust.name', kind: 'text', label: 'trustName', required: true, maxlength: 200, autocomplete: 'off' },
        choiceField('trust.category', 'trustCategory', 'trust_', ['revocable', 'irrevocable']),
        stateSelect('trust.formation_state', 'formationState'),
        einField('trust.tax_identifier', 'trustTaxId', false, 'trustTaxIdHint'),
        {
          name: 'trust.formation_document_file_id',
          kind: 'file',
          label: 'formationDocument',
          purpose: 'trust_formation_document',
        },
      ],
    },
    { legend: (t) => t.sectionTrustAddress, fields: addressFields('trust.address', { us: true, business: true }) },
  ],
  check: ownDetails('trust', trustDetails, (checks, details) => checks.trustDetails('trust', details)),
};

const trusteesRepeat: Repeat = { group: 'trustees', path: 'trust.trustees', min: 1, max: 20, add: 'addTrustee' };

const trusteesStep: Step = {
  id: 'trustees',
  title: 'step_trustees',
  repeat: trusteesRepeat,
  sections: (progress) => [
    ...repeated(progress, trusteesRepeat).flatMap((i) => {
      const [about, ...rest] = individualSections(`trust.trustees.${i}.individual`, (t) => t.trusteeN(i + 1));
      return [{ ...(about as Section), removable: { group: 'trustees', index: i } }, ...rest];
    }),
    ...(progress.answers['trust.category'] === 'revocable'
      ? individualSections('trust.grantor', (t) => t.grantor)
      : []),
  ],
  check: (draft, checks) => {
    const trustees = (at(draft, 'trust.trustees') as { individual?: unknown }[] | undefined) ?? [];
    const ok = trustees.map((t, i) => shaped(checks, individual, t.individual, `trust.trustees.${i}.individual`));
    if (ok.every(Boolean)) checks.trustees('trust.trustees', trustees as never);
    const grantor = at(draft, 'trust.grantor');
    if (at(draft, 'trust.category') === 'revocable' && shaped(checks, individual, grantor, 'trust.grantor')) {
      checks.individual('trust.grantor', grantor as never);
    }
  },
};

const authorityDetails = Type.Omit(governmentAuthority, ['authorized_persons']);

const authorityStep: Step = {
  id: 'authority',
  title: 'step_authority',
  sections: () => [
    {
      legend: (t) => t.step_authority,
      fields: [
        {
          name: 'government_authority.name',
          kind: 'text',
          label: 'authorityName',
          required: true,
          maxlength: 200,
          autocomplete: 'organization',
        },
        choiceField('government_authority.category', 'authorityCategory', 'authority_', governmentAuthorityCategories),
        einField('government_authority.tax_identifier', 'authorityTaxId', true),
        {
          name: 'government_authority.website',
          kind: 'text',
          label: 'website',
          autocomplete: 'url',
          inputmode: 'url',
          maxlength: 200,
        },
      ],
    },
    {
      legend: (t) => t.sectionAuthorityAddress,
      fields: addressFields('government_authority.address', { us: true, business: true }),
    },
  ],
  check: ownDetails('government_authority', authorityDetails, (checks, details) =>
    checks.governmentAuthorityDetails('government_authority', details),
  ),
};

const authorizedRepeat: Repeat = {
  group: 'authorized_persons',
  path: 'government_authority.authorized_persons',
  min: 1,
  max: 20,
  add: 'addAuthorizedPerson',
};

const authorizedPersonsStep: Step = {
  id: 'authorized_persons',
  title: 'step_authorized_persons',
  repeat: authorizedRepeat,
  sections: (progress) =>
    repeated(progress, authorizedRepeat).map((i) => ({
      legend: (t) => t.authorizedPersonN(i + 1),
      removable: { group: 'authorized_persons', index: i },
      fields: [
        {
          name: `government_authority.authorized_persons.${i}.name`,
          kind: 'text',
          label: 'authorizedPersonName',
          required: true,
          maxlength: 200,
          autocomplete: 'off',
        },
      ],
    })),
  check: (draft, checks) => {
    const people = (at(draft, 'government_authority.authorized_persons') as unknown[] | undefined) ?? [];
    const ok = people.map((p, i) =>
      shaped(
        checks,
        Type.Object({ name: Type.String({ minLength: 1 }) }),
        p,
        `government_authority.authorized_persons.${i}`,
      ),
    );
    if (ok.every(Boolean)) checks.authorizedPersons('government_authority.authorized_persons', people as never);
  },
};

/** People first: most customers are one. */
const displayOrder: Structure[] = ['natural_person', 'joint', 'corporation', 'trust', 'government_authority'];

/** The question asked first, unless the program offers one structure only. */
export function structureStep(offered: readonly Structure[]): Step {
  return {
    id: 'structure',
    title: 'step_structure',
    sections: () => [
      {
        legend: (t) => t.structureHeading,
        fields: [
          {
            name: 'structure',
            kind: 'radios',
            label: 'structureHeading',
            whenBlank: 'structureRequired',
            required: true,
            options: structureChoices(displayOrder.filter((s) => offered.includes(s))),
          },
        ],
      },
    ],
    check: (draft, checks) => {
      if (!draft.structure || !offered.includes(draft.structure)) checks.errors.add('structure', 'is required');
    },
  };
}

const stepsByStructure: Record<Structure, Step[]> = {
  natural_person: [personStep],
  corporation: [businessStep, ownersStep],
  joint: [jointStep],
  trust: [trustStep, trusteesStep],
  government_authority: [authorityStep, authorizedPersonsStep],
};

/** The steps before the review, in order, for what the customer has chosen so far. */
export function stepsFor(offered: readonly Structure[], progress: Progress): Step[] {
  const first = offered.length > 1 ? [structureStep(offered)] : [];
  const structure = offered.length === 1 ? offered[0] : progress.structure;
  return [...first, ...(structure ? stepsByStructure[structure] : [])];
}

export const allRepeats = [ownersRepeat, trusteesRepeat, authorizedRepeat];

/** Every input of a list of sections. */
export const fieldsOf = (sections: Section[]) => sections.flatMap((s) => s.fields);

/** Whether an input applies, given the answers (a passport's fields only when passport is chosen). */
export const applies = (field: Field, answers: Record<string, string>) =>
  !field.shownWhen || field.shownWhen.values.includes(answers[field.shownWhen.name] ?? '');

function setPath(target: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split('.');
  let node: Record<string, unknown> = target;
  keys.slice(0, -1).forEach((key, i) => {
    const nextIsIndex = /^\d+$/.test(keys[i + 1] ?? '');
    node[key] ??= nextIsIndex ? [] : {};
    node = node[key] as Record<string, unknown>;
  });
  node[keys[keys.length - 1] as string] = value;
}

/**
 * The parameters some answers make: the inputs that apply, typed as the Entity parameters are
 * (booleans, lists), tax numbers as digits. Blank answers are left out, so that the schema
 * names them as missing.
 */
export function draftOf(fields: Field[], answers: Record<string, string>): EntityDraft {
  const draft: EntityDraft = {};
  for (const field of fields) {
    const raw = answers[field.name]?.trim();
    if (!raw || !applies(field, answers)) continue;
    let value: unknown = raw;
    if (field.kind === 'checkbox') value = raw === 'true';
    if (field.kind === 'checkboxes') value = raw.split(',').filter(Boolean);
    if (
      field.digits ||
      (field.name.endsWith('.identification.number') && taxNumberMethods.has(methodFor(field, answers)))
    ) {
      value = raw.replace(/[\s-]/g, '');
    }
    if (field.name.endsWith('beneficial_ownership_exemption_reason') && raw === 'none') continue;
    setPath(draft, field.name, value);
  }
  // The chosen document's object exists even when empty, so that its missing parts are named.
  for (const field of fields) {
    const method = answers[field.name];
    if (!field.name.endsWith('.identification.method') || !method || !documentMethods.has(method)) continue;
    const identification = field.name.slice(0, -'.method'.length);
    if (at(draft, `${identification}.${method}`) === undefined) setPath(draft, `${identification}.${method}`, {});
  }
  return draft;
}

const taxNumberMethods = new Set(['social_security_number', 'individual_taxpayer_identification_number']);
const documentMethods = new Set(['passport', 'drivers_license', 'other']);
const methodFor = (field: Field, answers: Record<string, string>) =>
  answers[field.name.replace(/number$/, 'method')] ?? '';

/** The create request the answers make so far, for the structure chosen. */
export function entityDraft(steps: Step[], progress: Progress, structure: Structure | undefined): EntityDraft {
  const fields = steps.filter((s) => s.id !== 'structure').flatMap((step) => fieldsOf(step.sections(progress)));
  const draft = draftOf(fields, progress.answers);
  if (structure) draft.structure = structure;
  for (const trustee of (at(draft, 'trust.trustees') as (Record<string, unknown> | undefined)[] | undefined) ?? []) {
    if (trustee) trustee.structure = 'individual';
  }
  // A list nobody was added to is an empty list, which the rules name.
  for (const repeat of allRepeats) {
    if (repeat.path.startsWith(`${structure}.`) && at(draft, repeat.path) === undefined)
      setPath(draft, repeat.path, []);
  }
  return draft;
}

/** The errors of one step, or of all of them (`step` omitted), by the Entity domain's rules. */
export function checkSteps(steps: Step[], draft: EntityDraft, errors: FieldErrors): EntityChecks {
  const checks = new EntityChecks(errors);
  for (const step of steps) step.check(draft, checks);
  return checks;
}

export const isStructure = (value: unknown): value is Structure =>
  typeof value === 'string' && (structures as readonly string[]).includes(value);
