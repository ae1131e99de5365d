/**
 * HTML built with a tagged template that escapes every interpolated value unless it is
 * already HTML, so that what a customer typed (a name like `<script>`) always shows as text.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What a template may interpolate: text (escaped), HTML, lists of either, or nothing. */
export type Markup = Html | string | number | null | undefined | false | readonly Markup[];

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

const special = /[&<>"']/;

/** Most text has nothing to escape, and a test costs a fraction of a replace that calls back. */
export const escapeHtml = (text: string) =>
  special.test(text) ? text.replace(/[&<>"']/g, (c) => entities[c] as string) : text;

function render(value: Markup): string {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Markup[]): Html {
  let out = strings[0] ?? '';
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '');
  });
  return new Html(out);
}

/** An attribute present or absent, for booleans such as `required` and `checked`. */
export const flag = (name: string, on: boolean | undefined) => (on ? new Html(` ${name}`) : '');

/** An attribute with an escaped value, left out when there is none. */
export const attr = (name: string, value: string | number | undefined | null) =>
  value === undefined || value === null || value === '' ? '' : html` ${new Html(name)}="${String(value)}"`;
