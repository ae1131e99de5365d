import { expect } from 'vitest';
import type { TestServer } from './server.js';

/** The hosted form driven over plain HTTP, as a browser without JavaScript would drive it. */
export class FormClient {
  readonly base: string;

  constructor(
    private readonly server: TestServer,
    sessionUrl: string | null,
  ) {
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

  /** The CSRF token a page carries in its forms. */
  async csrf(step = 'structure'): Promise<string> {
    const { html } = await this.get(step);
    const match = /name="csrf" value="([^"]+)"/.exec(html);
    expect(match, 'the page has a CSRF token').not.toBeNull();
    return match?.[1] as string;
  }

  async post(step: string, fields: Record<string, string | string[]>, options: { csrf?: string | null } = {}) {
    const body = new URLSearchParams();
    const csrf = options.csrf === undefined ? await this.csrf(step) : options.csrf;
    if (csrf !== null) body.append('csrf', csrf);
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
