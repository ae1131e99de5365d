import { countryName, type Field, type Option, type Section, stateName } from './fields.js';
import { attr, flag, Html, html, type Markup } from './html.js';
import { catalogs, type Lang, languages, type Messages } from './messages/index.js';

/** What every page needs: the customer's language, the program, and links that keep the token. */
export interface PageContext {
  t: Messages;
  lang: Lang;
  program: { name: string; logoUrl: string | null; accentColor: string | null; termsUrl: string | null };
  /** A link to a page of this form (another step, another language), token included. */
  link(options?: { step?: string; lang?: Lang; returnTo?: string }): string;
  csrf: string;
  /** The largest upload, for people (10 MB), and in bytes for the script's check. */
  sizeText: string;
  sizeLimit: number;
  assets: { css: string; js: string };
  /** The inline style giving the program's accent colour; its hash is in the CSP. */
  accentStyle: string | null;
}

/** An error at an input, already in the customer's words. */
export interface FormError {
  field: string;
  text: string;
}

/** What the file inputs offer: the kinds Files accepts (see file-types.ts). */
const acceptedTypes = 'image/jpeg,image/png,image/heic,image/heif,image/webp,image/gif,image/tiff,application/pdf';

export const inputId = (name: string) => `f-${name.replace(/[^A-Za-z0-9_-]/g, '-')}`;

export function layout(
  ctx: PageContext,
  title: string,
  main: Markup,
  options: { hasErrors?: boolean; languageLinks?: boolean } = {},
): Html {
  const { t, program } = ctx;
  const switcher =
    options.languageLinks === false
      ? ''
      : html`<nav class="languages" aria-label="${t.languageSwitch}"><ul>${languages.map((lang) =>
          lang === ctx.lang
            ? html`<li><span aria-current="true" lang="${lang}">${catalogs[lang].languageName}</span></li>`
            : html`<li><a href="${ctx.link({ lang })}" lang="${lang}" hreflang="${lang}">${catalogs[lang].languageName}</a></li>`,
        )}</ul></nav>`;
  return html`<!doctype html>
<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.hasErrors ? t.errorTitlePrefix : ''}${title} &ndash; ${program.name}</title>
<link rel="stylesheet" href="${ctx.assets.css}">
${ctx.accentStyle ? html`<style>${new Html(ctx.accentStyle)}</style>` : ''}
<script src="${ctx.assets.js}" defer></script>
</head>
<body>
<a class="skip" href="#main">${t.skipToContent}</a>
<header class="top">
<div class="wrap top-inner">
<p class="brand">${program.logoUrl ? html`<img src="${program.logoUrl}" alt="" height="32">` : ''}<span>${program.name}</span></p>
${switcher}
</div>
</header>
<main id="main" class="wrap" tabindex="-1">
${main}
</main>
<footer class="wrap foot"><p>${t.securedBy}</p></footer>
</body>
</html>`;
}

export function errorSummary(t: Messages, errors: FormError[]): Markup {
  if (errors.length === 0) return '';
  return html`<div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabindex="-1" autofocus>
<h2 id="error-summary-title">${t.errorSummaryTitle}</h2>
<ul>${errors.map((e) => html`<li><a href="#${inputId(e.field)}">${e.text}</a></li>`)}</ul>
</div>`;
}

export const labelOf = (t: Messages, field: Field) => (field.labelText ? field.labelText(t) : t[field.label]);

interface FieldState {
  value: string;
  error?: string;
  /** The name of an uploaded file the input holds. */
  uploaded?: string;
}

function describedBy(id: string, hint: boolean, error: boolean, uploaded = false) {
  const ids = [hint && `${id}-hint`, error && `${id}-error`, uploaded && `${id}-uploaded`].filter(Boolean).join(' ');
  return attr('aria-describedby', ids);
}

/** The message at an input, announced as an error by screen readers. */
export const fieldError = (t: Messages, id: string, error: string | undefined): Markup =>
  error
    ? html`<p class="field-error" id="${id}-error"><span class="visually-hidden">${t.errorTitlePrefix}</span>${error}</p>`
    : '';

function hintAndError(t: Messages, id: string, hint: Markup, error: string | undefined) {
  return html`${hint ? html`<p class="hint" id="${id}-hint">${hint}</p>` : ''}${fieldError(t, id, error)}`;
}

function options(list: Option[], value: string, placeholder: string) {
  return html`<option value="">${placeholder}</option>${list.map(
    (o) => html`<option value="${o.value}"${flag('selected', o.value === value)}>${o.label}</option>`,
  )}`;
}

export function renderField(ctx: PageContext, field: Field, state: FieldState): Html {
  const { t } = ctx;
  const id = inputId(field.name);
  const label = labelOf(t, field);
  const optional =
    field.required || field.kind === 'checkbox' ? '' : html` <span class="optional">${t.optional}</span>`;
  const hintText = field.kind === 'file' ? t.documentHint(ctx.sizeText) : field.hint ? t[field.hint] : '';
  const hasHint = hintText !== '';
  const errorClass = state.error ? ' field--error' : '';
  const reveal = field.shownWhen
    ? html` data-shown-when="${inputId(field.shownWhen.name)}" data-values="${field.shownWhen.values.join(' ')}"`
    : '';
  const common = html` id="${id}" name="${field.name}"${describedBy(id, hasHint, !!state.error, !!state.uploaded)}${flag('required', field.required)}${attr('aria-invalid', state.error ? 'true' : undefined)}`;

  if (field.kind === 'radios' || field.kind === 'checkboxes') {
    const type = field.kind === 'radios' ? 'radio' : 'checkbox';
    const chosen = new Set(state.value.split(',').filter(Boolean));
    const list = field.options?.(t, ctx.lang) ?? [];
    return html`<fieldset class="field${errorClass}"${reveal}${describedBy(id, hasHint, !!state.error)}>
<legend>${label}${optional}</legend>
${hintAndError(t, id, hintText, state.error)}
<div class="choices">${list.map((o, i) => {
      const optionId = i === 0 ? id : `${id}-${o.value}`;
      return html`<div class="choice"><input type="${type}" id="${optionId}" name="${field.name}" value="${o.value}"${flag(
        'checked',
        chosen.has(o.value),
      )}${o.hint ? attr('aria-describedby', `${optionId}-hint`) : ''}><label for="${optionId}">${o.label}</label>${
        o.hint ? html`<p class="hint" id="${optionId}-hint">${o.hint}</p>` : ''
      }</div>`;
    })}</div>
</fieldset>`;
  }
  if (field.kind === 'checkbox') {
    return html`<div class="field choice${errorClass}"${reveal}>
${fieldError(t, id, state.error)}
<input type="checkbox" id="${id}" name="${field.name}" value="true"${flag('checked', state.value === 'true')}${describedBy(id, hasHint, !!state.error)}>
<label for="${id}">${label}</label>
${hasHint ? html`<p class="hint" id="${id}-hint">${hintText}</p>` : ''}
</div>`;
  }
  const labelTag = html`<label for="${id}">${label}${optional}</label>`;
  let control: Html;
  if (field.kind === 'select') {
    control = html`<select${common}${attr('autocomplete', field.autocomplete)}>${options(
      field.options?.(t, ctx.lang) ?? [],
      state.value,
      t.selectPlaceholder,
    )}</select>`;
  } else if (field.kind === 'file') {
    control = html`${
      state.uploaded
        ? html`<p class="uploaded" id="${id}-uploaded">${t.uploaded(state.uploaded)} ${t.replaceFile}</p>`
        : ''
    }<input type="file"${common} accept="${acceptedTypes}" data-max-bytes="${String(ctx.sizeLimit)}" data-too-large="${t.fileTooLarge(ctx.sizeText)}" data-wrong-type="${t.fileWrongType}"><div class="preview" hidden></div>`;
  } else {
    const type = field.kind === 'date' ? 'date' : field.kind === 'email' ? 'email' : 'text';
    control = html`<input type="${type}"${common} value="${state.value}"${attr('autocomplete', field.autocomplete)}${attr(
      'inputmode',
      field.inputmode,
    )}${attr('pattern', field.pattern)}${attr('maxlength', field.maxlength)}${
      field.width ? attr('class', `width-${field.width}`) : ''
    }${field.secret ? html` spellcheck="false" autocapitalize="off"` : ''}>`;
  }
  return html`<div class="field${errorClass}"${reveal}>${labelTag}${hintAndError(t, id, hintText, state.error)}${control}</div>`;
}

/** How an answer reads back on the review page. */
export function displayValue(ctx: PageContext, field: Field, value: string, uploaded?: string): string {
  const { t, lang } = ctx;
  if (field.kind === 'file') return uploaded ?? t.notProvided;
  if (value === '') return t.notProvided;
  if (field.kind === 'checkbox') return value === 'true' ? t.yes : t.no;
  if (field.kind === 'date') {
    const date = new Date(`${value}T00:00:00Z`);
    return Number.isNaN(date.getTime())
      ? value
      : new Intl.DateTimeFormat(lang, { dateStyle: 'long', timeZone: 'UTC' }).format(date);
  }
  if (field.secret) return `•••• ${value.replace(/[\s-]/g, '').slice(-4)}`;
  if (field.name.endsWith('country')) return countryName(value, lang);
  if (field.name.endsWith('state')) return stateName(value);
  const options = field.options?.(t, lang);
  if (options) {
    const labels = value.split(',').map((v) => options.find((o) => o.value === v)?.label ?? v);
    return labels.join(', ');
  }
  return value;
}

/** A section of inputs: a fieldset, with a button to remove it if it is one of a repeated group. */
export function renderSection(ctx: PageContext, section: Section, inputs: Markup, headingId: string): Html {
  const legend = section.legend(ctx.t);
  const remove = section.removable
    ? html`<button type="submit" class="link-button" name="action" value="remove:${section.removable.group}:${String(
        section.removable.index,
      )}" formnovalidate>${ctx.t.removeWhat(legend)}</button>`
    : '';
  return html`<fieldset class="section" id="${headingId}"><legend><h2>${legend}</h2></legend>${remove}${inputs}</fieldset>`;
}

export const messagePage = (ctx: PageContext, title: string, body: Markup, action?: Markup) =>
  layout(ctx, title, html`<h1>${title}</h1>${body}${action ?? ''}`);
