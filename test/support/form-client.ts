import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** The hosted form driven over plain HTTP, as a browser without JavaScript would drive it. */
export class FormClient {
  readonly base: string;

  constructor(server: TestServer, sessionUrl: string | null) {
    const url = new URL(sessionUrl as string);
    this.base = `${server.url}${url.pathname}${url.search}`;
  }

  get token(): string {
    return new URL(this.base).searchParams.get('id') as string;
  }

  url(step?: string, extra = ''): string {
    return `${this.base}${step ? `&step=${step}` : ''}${extra}`;
  }

  async get(step?: string, headers: Record<string, string> = {}) {
    const response = await fetch(this.url(step), { headers, redirect: 'manual' });
    return { response, html: await response.text() };
  }

  /** The hidden inputs a page's form carries: its CSRF token, and how many owners it shows. */
  async hidden(step = 'structure'): Promise<Record<string, string>> {
    const { html } = await this.get(step);
    const hidden = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    ) as Record<string, string>;
    expect(hidden.csrf, 'the page has a CSRF token').toBeDefined();
    return hidden;
  }

  async csrf(step = 'structure'): Promise<string> {
    return (await this.hidden(step)).csrf as string;
  }

  /** Posts a page as its form would, hidden inputs included unless `csrf` is given (null: none). */
  async post(step: string, fields: Record<string, string | string[]>, options: { csrf?: string | null } = {}) {
    const body = new URLSearchParams();
    const hidden =
      options.csrf === undefined ? await this.hidden(step) : options.csrf === null ? {} : { csrf: options.csrf };
    for (const [name, value] of Object.entries(hidden)) if (!(name in fields)) body.append(name, value);
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    }
    const response = await fetch(this.url(step), { method: 'POST', body, redirect: 'manual' });
    return { response, html: await response.text(), location: response.headers.get('location') };
  }
}

/** Every input of a page, by name, with its type. */
export function inputsOf(html: string): { name: string; type: string }[] {
  const inputs: { name: string; type: string }[] = [];
  for (const match of html.matchAll(/<(input|select)\b([^>]*)>/g)) {
    const attributes = match[2] ?? '';
    const name = /\bname="([^"]+)"/.exec(attributes)?.[1];
    const type = match[1] === 'select' ? 'select' : (/\btype="([^"]+)"/.exec(attributes)?.[1] ?? 'text');
    if (name && name !== 'csrf' && !inputs.some((i) => i.name === name)) inputs.push({ name, type });
  }
  return inputs;
}

export type { TestServer };
