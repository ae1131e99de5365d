import type { StructureDetails } from '../domain/entities/document.js';
import type { IndividualParams } from '../domain/entities/params.js';
import { EntityChecks } from '../domain/entities/rules.js';
import type { Entity } from '../domain/entities/service.js';
import { FieldErrors } from '../domain/errors.js';
import { addressFields, choiceField, einField, type Field, type Section } from './fields.js';
import { applies, draftOf } from './flow.js';

/**
 * A session opened for an existing Entity asks only for what verification could not confirm
 * (its `validation.issues`): a tax id to re-enter, an address to fix, an owner's identity or
 * address. Inputs are named as the Entity's parameters (`corporation.address.zip`), or
 * `owners.<id>.…` for a beneficial owner's.
 */

export interface OwnerDetails {
  id: string;
  individual: IndividualParams;
}

const usOnly = (structure: string) => structure === 'trust' || structure === 'government_authority';

const personTaxId = (path: string): Field[] => [
  choiceField(`${path}.method`, 'identificationMethod', 'method_', [
    'social_security_number',
    'individual_taxpayer_identification_number',
  ]),
  {
    name: `${path}.number`,
    kind: 'text',
    label: 'idNumber',
    required: true,
    autocomplete: 'off',
    inputmode: 'numeric',
    pattern: '[0-9 -]{9,11}',
    maxlength: 11,
    width: 'medium',
    secret: true,
    digits: true,
  },
];

function taxIdFields(structure: string): Field[] {
  if (structure === 'corporation') return [einField('corporation.legal_identifier.value', 'ein', true)];
  if (structure === 'natural_person') return personTaxId('natural_person.identification');
  if (structure === 'trust') return [einField('trust.tax_identifier', 'trustTaxId', true, 'einHint')];
  if (structure === 'government_authority')
    return [einField('government_authority.tax_identifier', 'authorityTaxId', true)];
  return [];
}

/** The sections asking for each outstanding issue; none when nothing is outstanding. */
export function taskSections(entity: Entity, owners: OwnerDetails[]): Section[] {
  const { structure } = entity;
  const ownerName = (id: string) => owners.find((o) => o.id === id)?.individual.name ?? '';
  const sections: Section[] = [];
  for (const issue of entity.validation?.issues ?? []) {
    if (issue.category === 'entity_tax_identifier' && taxIdFields(structure).length > 0) {
      sections.push({ legend: (t) => t.task_entity_tax_identifier, fields: taxIdFields(structure) });
    }
    if (issue.category === 'entity_address' && structure !== 'joint') {
      sections.push({
        legend: (t) => t.task_entity_address,
        fields: addressFields(`${structure}.address`, {
          us: usOnly(structure),
          business: structure !== 'natural_person',
        }),
      });
    }
    const ownerId =
      issue.beneficial_owner_identity?.beneficial_owner_id ?? issue.beneficial_owner_address?.beneficial_owner_id;
    if (!ownerId || !owners.some((o) => o.id === ownerId)) continue;
    if (issue.category === 'beneficial_owner_identity') {
      sections.push({
        legend: (t) => t.task_beneficial_owner_identity(ownerName(ownerId)),
        fields: personTaxId(`owners.${ownerId}.identification`),
      });
    }
    if (issue.category === 'beneficial_owner_address') {
      sections.push({
        legend: (t) => t.task_beneficial_owner_address(ownerName(ownerId)),
        fields: addressFields(`owners.${ownerId}.address`, { us: false }),
      });
    }
  }
  // Verification may name the same problem twice: it is asked once.
  return sections.filter(
    (section, i) => sections.findIndex((s) => s.fields[0]?.name === section.fields[0]?.name) === i,
  );
}

/** Answers to start from: the addresses on file (the customer corrects rather than retypes). */
export function currentAnswers(details: StructureDetails, owners: OwnerDetails[]): Record<string, string> {
  const answers: Record<string, string> = {};
  const put = (prefix: string, value: object | undefined) => {
    for (const [key, v] of Object.entries(value ?? {})) if (typeof v === 'string') answers[`${prefix}.${key}`] = v;
  };
  const own = (details as unknown as Record<string, { address?: object }>)[details.structure];
  put(`${details.structure}.address`, own?.address);
  for (const owner of owners) put(`owners.${owner.id}.address`, owner.individual.address);
  return answers;
}

/** The changes the answers make: to the Entity's details, and to each owner. */
export interface TaskChanges {
  entity: Record<string, unknown> | undefined;
  owners: { id: string; address?: IndividualParams['address']; identification?: IndividualParams['identification'] }[];
}

function taskChanges(sections: Section[], answers: Record<string, string>, structure: string): TaskChanges {
  const draft = draftOf(
    sections.flatMap((s) => s.fields),
    answers,
  );
  const own = draft[structure] as Record<string, unknown> | undefined;
  if (own && structure === 'corporation' && own.legal_identifier) {
    own.legal_identifier = { category: 'us_employer_identification_number', ...(own.legal_identifier as object) };
  }
  const owners = Object.entries((draft.owners as Record<string, object> | undefined) ?? {}).map(([id, change]) => ({
    id,
    ...change,
  }));
  return { entity: own, owners };
}

/**
 * The errors of the answers, by the Entity domain's rules applied to the details as they would
 * become; returns the changes the answers make.
 */
export function checkTasks(
  sections: Section[],
  answers: Record<string, string>,
  details: StructureDetails,
  owners: OwnerDetails[],
  errors: FieldErrors,
): TaskChanges {
  const { structure } = details;
  const changes = taskChanges(sections, answers, structure);
  const fields = sections.flatMap((s) => s.fields);
  const unanswered = fields.filter((f) => f.required && applies(f, answers) && !answers[f.name]?.trim());
  for (const field of unanswered) errors.add(field.name, 'is required');
  if (unanswered.length > 0) return changes;

  // The rules see the whole Entity; only what the customer is asked for is theirs to fix.
  const found = new FieldErrors();
  const checks = new EntityChecks(found);
  if (changes.entity) {
    const current = (details as unknown as Record<string, object>)[structure];
    checks.structureDetails({ structure, [structure]: { ...current, ...changes.entity } } as StructureDetails);
  }
  for (const { id, ...change } of changes.owners) {
    const owner = owners.find((o) => o.id === id);
    if (owner) checks.individual(`owners.${id}`, { ...owner.individual, ...change });
  }
  for (const error of found.list) {
    if (fields.some((f) => f.name === error.field || f.name.startsWith(`${error.field}.`))) {
      errors.add(error.field, error.message);
    }
  }
  return changes;
}
