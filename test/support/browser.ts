import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Entity } from '../../src/domain/entities/service.js';
import { type TestServer, useTestServer } from './server.js';

/** Real Chromium (Debian's), driven as a customer would drive it. */

const require = createRequire(import.meta.url);
const axeSource: string = require('axe-core').source;

export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function useBrowser(onStart: (browser: Browser) => void): void {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      throw new Error(
        `No Chromium at ${chromiumPath}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`,
      );
    }
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    onStart(browser);
  });
  afterAll(() => browser?.close());
}

export interface FormTestEnvironment {
  server: TestServer;
  browser: Browser;
  /** The platform's page customers are sent back to. */
  target: RedirectTarget;
}

/** For a file of form tests: a test server, a browser, and the platform's page to return to. */
export function useFormTests(onStart: (env: FormTestEnvironment) => void): void {
  const target = new RedirectTarget();
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  useTestServer((s) => {
    server = s;
  });
  useBrowser((b) => {
    browser = b;
  });
  beforeAll(async () => {
    await target.start();
    onStart({ server: server as TestServer, browser: browser as Browser, target });
  });
  afterAll(() => target.stop());
}

/** A fresh browser profile: a phone unless told otherwise. */
export async function newCustomer(browser: Browser, options: BrowserContextOptions = {}): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'en-US', ...options });
  return context.newPage();
}

/** The form's address for a session, on the test server (session_url names the configured host). */
export const formUrl = (server: TestServer, sessionUrl: string | null) => {
  const url = new URL(sessionUrl as string);
  return `${server.url}${url.pathname}${url.search}`;
};

/** Asserts axe-core finds no WCAG 2.x A/AA violation on the page as it is now. */
export async function expectAccessible(page: Page): Promise<void> {
  // Evaluated over the DevTools protocol, which the page's CSP does not govern.
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: { run(o: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> };
      }
    ).axe;
    const result = await axe.run({
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return result.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
  expect(violations, `axe on ${new URL(page.url()).searchParams.get('step') ?? 'first page'}`).toEqual([]);
}

/** Screenshots of the page at a phone's and a desktop's width, for docs/screenshots. */
export async function screenshot(page: Page, name: string): Promise<void> {
  const folder = new URL('../../docs/screenshots/', import.meta.url);
  mkdirSync(folder, { recursive: true });
  const size = page.viewportSize() ?? { width: 390, height: 844 };
  // A caret blinking in the last input typed into would make every run's pictures differ.
  await page.evaluate('document.activeElement instanceof HTMLInputElement && document.activeElement.blur()');
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    await page.screenshot({ path: new URL(`${name}-${width}.png`, folder).pathname, fullPage: true });
  }
  await page.setViewportSize(size);
}

/** Where the platform sends its customers back to: a page of its own, which records what arrived. */
export class RedirectTarget {
  private server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end('<!doctype html><html lang="en"><title>Back at the platform</title><h1>Welcome back</h1></html>');
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/onboarding/done`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

export interface PersonAnswers {
  name: string;
  dateOfBirth: string;
  line1: string;
  city: string;
  state: string;
  zip: string;
  country?: string;
  ssn: string;
}

/** Types a person's details into the inputs under `path`, as a customer would. */
export async function fillPerson(page: Page, path: string, person: PersonAnswers): Promise<void> {
  await page.fill(`[name="${path}.name"]`, person.name);
  await page.fill(`[name="${path}.date_of_birth"]`, person.dateOfBirth);
  await fillAddress(page, `${path}.address`, person);
  await page.check(`[name="${path}.identification.method"][value="social_security_number"]`);
  await page.fill(`[name="${path}.identification.number"]`, person.ssn);
}

export async function fillAddress(
  page: Page,
  path: string,
  address: Omit<PersonAnswers, 'name' | 'dateOfBirth' | 'ssn'>,
): Promise<void> {
  await page.fill(`[name="${path}.line1"]`, address.line1);
  await page.fill(`[name="${path}.city"]`, address.city);
  await page.selectOption(`[name="${path}.state"]`, address.state);
  await page.fill(`[name="${path}.zip"]`, address.zip);
  if (await page.locator(`[name="${path}.country"]`).count()) {
    await page.selectOption(`[name="${path}.country"]`, address.country ?? 'US');
  }
}

export const person = (n: number): PersonAnswers => ({
  name: `Customer Number${n}`,
  dateOfBirth: `${1950 + (n % 40)}-0${1 + (n % 9)}-1${n % 10}`,
  line1: `${10 + n} Liberty Street`,
  city: 'New York',
  state: 'NY',
  zip: '10045',
  ssn: `512-34-${String(1000 + n)}`,
});

export const continueButton = (page: Page) => page.locator('.actions button[type=submit]');

/** Saves the page and goes on, waiting for the next page. */
export async function saveAndContinue(page: Page): Promise<void> {
  await Promise.all([page.waitForLoadState('load'), continueButton(page).click()]);
}

/** What the error summary lists, if the page has one. */
export const problems = (page: Page) => page.locator('.error-summary li').allTextContents();

/** The Entity a redirect names, read back through the official SDK. */
export async function entityFromRedirect(server: TestServer, redirected: string, sessionId: string): Promise<Entity> {
  const url = new URL(redirected);
  expect(url.searchParams.get('entity_onboarding_session_id')).toBe(sessionId);
  const entityId = url.searchParams.get('entity_id');
  expect(entityId).toMatch(/^entity_[a-z0-9]{20}$/);
  return (await server.client().entities.retrieve(entityId as string)) as unknown as Entity;
}
