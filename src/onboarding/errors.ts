import type { DomainError, FieldErrors } from '../domain/errors.js';
import type { Section } from './fields.js';
import { fieldsOf } from './flow.js';
import { type FormError, labelOf, type PageContext } from './views.js';

/** The Entity domain's errors, and failed uploads, in the customer's words. */

export type UploadProblem = 'fileTooLarge' | 'fileWrongType' | 'fileEmpty' | 'uploadFailed' | 'fileNotRead';

/** Why an upload failed, in the catalog's words. */
export function uploadProblem(error: DomainError): UploadProblem {
  const message = String((error.fields.errors as { message: string }[] | undefined)?.[0]?.message ?? error.detail);
  if (/large|at most/i.test(message)) return 'fileTooLarge';
  if (/empty/i.test(message)) return 'fileEmpty';
  if (/type|kind|JPEG|PDF/i.test(message)) return 'fileWrongType';
  return 'uploadFailed';
}

/** What an upload's failure says. */
export const uploadText = (ctx: PageContext, problem: string) =>
  problem === 'fileTooLarge'
    ? ctx.t.fileTooLarge(ctx.sizeText)
    : ctx.t[problem as Exclude<UploadProblem, 'fileTooLarge'>];

/** Domain errors, worded for the form: "Enter …" for what is missing, the rule's reason otherwise. */
export function wordErrors(ctx: PageContext, errors: FieldErrors, sections: Section[], fallback: string): FormError[] {
  const { t } = ctx;
  const fields = fieldsOf(sections);
  return errors.list.map(({ field: name, message }) => {
    const field = fields.find((f) => f.name === name);
    if (!field) {
      // An error about a whole list or group (no one in control, the same person twice).
      const section = sections.find((s) => s.fields.some((f) => f.name.startsWith(`${name}.`)));
      const first = section?.fields.find((f) => f.name.startsWith(`${name}.`)) ?? fields[0];
      const what = section ? section.legend(t) : fallback;
      return { field: first?.name ?? '', text: t.rule(what, message) };
    }
    const label = labelOf(t, field);
    if (message === 'is required' && field.whenBlank) return { field: name, text: t[field.whenBlank] };
    if (message === 'is required') {
      const text = ['select', 'radios', 'checkboxes'].includes(field.kind)
        ? t.choose(label)
        : field.kind === 'file'
          ? t.uploadA(label)
          : t.enter(label);
      return { field: name, text };
    }
    if (message === 'is invalid') return { field: name, text: t.invalid(label) };
    return { field: name, text: t.rule(label, message) };
  });
}
