import type { Entity } from '../domain/entities/service.js';
import { countryName, type Field, type Section, stateName } from './fields.js';
import { applies, fieldsOf, type Step } from './flow.js';
import { type Html, html, type Markup } from './html.js';
import type { MessageKey } from './messages/index.js';
import type { Progress } from './progress.js';
import {
  displayValue,
  errorSummary,
  type FormError,
  fieldError,
  labelOf,
  layout,
  type PageContext,
  renderField,
  renderSection,
} from './views.js';

/** The pages of the hosted form, each from what the customer has saved and the errors to show. */

export function welcomePage(ctx: PageContext, firstStep: string, resume: string | undefined): Html {
  const { t, program } = ctx;
  return layout(
    ctx,
    t.welcomeHeading(program.name),
    html`<h1>${t.welcomeHeading(program.name)}</h1>
<p class="lead">${t.welcomeIntro}</p>
<h2>${t.welcomeNeedHeading}</h2>
<ul class="list">
<li>${t.welcomeNeedPerson}</li>
<li>${t.welcomeNeedTaxId}</li>
<li>${t.welcomeNeedBusiness}</li>
</ul>
<a class="button" href="${ctx.link({ step: resume ?? firstStep })}" draggable="false">${
      resume ? t.welcomeContinue : t.welcomeStart
    }</a>`,
  );
}

/** The inputs of some sections, with the answers and errors they have. */
function sectionsMarkup(
  ctx: PageContext,
  sections: Section[],
  progress: Progress,
  errors: FormError[],
  defaults: Record<string, string>,
) {
  // The first error of each input: the summary lists them all, the input says what to fix first.
  const errorAt = new Map<string, string>();
  for (const e of errors) if (!errorAt.has(e.field)) errorAt.set(e.field, e.text);
  return sections.map((section, i) => {
    const id = section.removable
      ? `section-${section.removable.group}-${section.removable.index + 1}`
      : `section-${i + 1}`;
    const inputs = section.fields.map((field) => {
      const value = progress.answers[field.name] ?? defaults[field.name] ?? '';
      return renderField(ctx, field, {
        value,
        error: errorAt.get(field.name),
        uploaded: field.kind === 'file' && value ? progress.files[value]?.filename : undefined,
      });
    });
    return renderSection(ctx, section, inputs, id);
  });
}

const hasFile = (sections: Section[]) => fieldsOf(sections).some((f) => f.kind === 'file');

function formTag(ctx: PageContext, step: string, sections: Section[], body: Markup, returnTo?: string): Html {
  const multipart = hasFile(sections) ? html` enctype="multipart/form-data"` : '';
  // The server checks every answer and says what is wrong in the customer's language; the
  // browser's own bubbles would stop the post first, and speak another way on each browser.
  return html`<form method="post" action="${ctx.link({ step, returnTo })}" novalidate${multipart}>
<button type="submit" name="action" value="continue" class="default-action" tabindex="-1" aria-hidden="true"></button>
<input type="hidden" name="csrf" value="${ctx.csrf}">
${body}
</form>`;
}

export function stepPage(
  ctx: PageContext,
  options: {
    step: Step;
    number: number;
    total: number;
    progress: Progress;
    errors: FormError[];
    back: string | null;
    returnToReview: boolean;
  },
): Html {
  const { t } = ctx;
  const { step, progress, errors } = options;
  const sections = step.sections(progress);
  const title = t[step.title];
  const repeat = step.repeat;
  const count = repeat ? (progress.counts[repeat.group] ?? repeat.min) : 0;
  const body = html`${sectionsMarkup(ctx, sections, progress, errors, {})}
${repeat ? html`<input type="hidden" name="repeat-count" value="${String(count)}">` : ''}
${repeat && count < repeat.max ? html`<button type="submit" name="action" value="add:${repeat.group}" class="secondary">${t[repeat.add]}</button>` : ''}
<div class="actions"><button type="submit" name="action" value="continue">${t.continue}</button></div>`;
  return layout(
    ctx,
    title,
    html`${options.back ? html`<a class="back" href="${options.back}">${t.back}</a>` : ''}
${errorSummary(t, errors)}
<p class="step-count">${t.stepOf(options.number, options.total)}</p>
<h1>${title}</h1>
${step.intro ? html`<p class="lead">${t[step.intro]}</p>` : ''}
${formTag(ctx, step.id, sections, body, options.returnToReview ? 'review' : undefined)}`,
    { hasErrors: errors.length > 0 },
  );
}

function summaryRows(ctx: PageContext, fields: Field[], progress: Progress) {
  return fields
    .filter((f) => applies(f, progress.answers) && f.kind !== 'checkbox' && (f.required || progress.answers[f.name]))
    .map((field) => {
      const value = progress.answers[field.name] ?? '';
      return html`<div class="summary-row"><dt>${labelOf(ctx.t, field)}</dt><dd>${displayValue(
        ctx,
        field,
        value,
        progress.files[value]?.filename,
      )}</dd></div>`;
    });
}

function termsField(ctx: PageContext, agreed: boolean, error: string | undefined): Markup {
  const { t, program } = ctx;
  if (!program.termsUrl) return '';
  return html`<div class="field choice${error ? ' field--error' : ''}">
${fieldError(t, 'f-terms', error)}
<input type="checkbox" id="f-terms" name="terms" value="agreed"${agreed ? html` checked` : ''}${error ? html` aria-describedby="f-terms-error" aria-invalid="true"` : ''}>
<label for="f-terms">${t.termsAgree}</label>
<p class="hint"><a href="${program.termsUrl}" target="_blank" rel="noopener noreferrer">${t.termsLink(program.name)}</a></p>
</div>`;
}

export function reviewPage(
  ctx: PageContext,
  options: { steps: Step[]; progress: Progress; errors: FormError[]; back: string | null; number: number },
): Html {
  const { t } = ctx;
  const { progress } = options;
  const termsError = options.errors.find((e) => e.field === 'terms')?.text;
  const parts = options.steps.map((step) => {
    const sections = step.sections(progress);
    return html`<section class="summary">
<div class="summary-head"><h2>${t[step.title]}</h2><a href="${ctx.link({ step: step.id, returnTo: 'review' })}">${t.change}<span class="visually-hidden"> ${t[step.title]}</span></a></div>
${sections.map((section) => html`<h3>${section.legend(t)}</h3><dl>${summaryRows(ctx, section.fields, progress)}</dl>`)}
</section>`;
  });
  return layout(
    ctx,
    t.step_review,
    html`${options.back ? html`<a class="back" href="${options.back}">${t.back}</a>` : ''}
${errorSummary(t, options.errors)}
<p class="step-count">${t.stepOf(options.number, options.number)}</p>
<h1>${t.step_review}</h1>
<p class="lead">${t.reviewIntro}</p>
${parts}
${formTag(
  ctx,
  'review',
  [],
  html`${termsField(ctx, progress.agreed === true, termsError)}
<div class="actions"><button type="submit" name="action" value="submit">${t.submit}</button></div>`,
)}`,
    { hasErrors: options.errors.length > 0 },
  );
}

/** For a session opened for an existing Entity: what to fix, or the details to confirm. */
export function entityPage(
  ctx: PageContext,
  options: {
    entity: Entity;
    sections: Section[];
    progress: Progress;
    errors: FormError[];
    defaults: Record<string, string>;
  },
): Html {
  const { t } = ctx;
  const { sections, errors } = options;
  const fixing = sections.length > 0;
  const title = fixing ? t.step_tasks : t.confirmHeading;
  const termsError = errors.find((e) => e.field === 'terms')?.text;
  const body = html`${fixing ? sectionsMarkup(ctx, sections, options.progress, errors, options.defaults) : entitySummary(ctx, options.entity)}
${termsField(ctx, options.progress.agreed === true, termsError)}
<div class="actions"><button type="submit" name="action" value="submit">${fixing ? t.submit : t.confirmButton}</button></div>`;
  return layout(
    ctx,
    title,
    html`${errorSummary(t, errors)}
<h1>${title}</h1>
<p class="lead">${fixing ? t.tasksIntro : t.confirmIntro}</p>
${formTag(ctx, 'tasks', sections, body)}`,
    { hasErrors: errors.length > 0 },
  );
}

type Shown = { name?: string; address?: Record<string, string | null> | null; individuals?: Shown[] };

/** The labels of an Entity's name and address, by structure. */
const summaryLabels: Record<string, [MessageKey, MessageKey]> = {
  natural_person: ['name', 'sectionAddress'],
  joint: ['name', 'sectionAddress'],
  corporation: ['businessName', 'sectionBusinessAddress'],
  trust: ['trustName', 'sectionTrustAddress'],
  government_authority: ['authorityName', 'sectionAuthorityAddress'],
};

function entitySummary(ctx: PageContext, entity: Entity): Html {
  const { t, lang } = ctx;
  const details = (entity as unknown as Record<string, Shown | null>)[entity.structure] ?? {};
  const people = details.individuals ?? [details];
  const [nameLabel, addressLabel] = summaryLabels[entity.structure] ?? ['name', 'sectionAddress'];
  const addressText = (a: Shown['address']) =>
    a
      ? [a.line1, a.line2, a.city, a.state && stateName(a.state), a.zip, a.country && countryName(a.country, lang)]
          .filter(Boolean)
          .join(', ')
      : t.notProvided;
  return html`<dl class="summary">${people.map(
    (p) => html`<div class="summary-row"><dt>${t[nameLabel]}</dt><dd>${p.name ?? ''}</dd></div>
<div class="summary-row"><dt>${t[addressLabel]}</dt><dd>${addressText(p.address)}</dd></div>`,
  )}</dl>`;
}

export function submittedPage(ctx: PageContext, redirectTo: string): Html {
  const { t, program } = ctx;
  return layout(
    ctx,
    t.submittedHeading,
    html`<div class="panel"><h1>${t.submittedHeading}</h1><p>${t.submittedBody(program.name)}</p></div>
<a class="button" href="${redirectTo}">${t.returnTo(program.name)}</a>`,
    { languageLinks: false },
  );
}
