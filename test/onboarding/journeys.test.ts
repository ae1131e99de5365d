import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import {
  entityFromRedirect,
  expectAccessible,
  fillAddress,
  fillPerson,
  formUrl,
  newCustomer,
  person,
  problems,
  type RedirectTarget,
  saveAndContinue,
  screenshot,
  useFormTests,
} from '../support/browser.js';
import { corporation, naturalPerson } from '../support/entities.js';
import { png } from '../support/files.js';
import type { TestServer } from '../support/server.js';

/** The ways a real customer strays from the straight path: and gets through. */

let server: TestServer;
let browser: Browser;
let target: RedirectTarget;
useFormTests((env) => {
  ({ server, browser, target } = env);
});

async function newSession(entityId?: string) {
  return server.client().entityOnboardingSessions.create({
    program_id: server.programId,
    redirect_url: target.url,
    ...(entityId && { entity_id: entityId }),
  });
}

const heading = (page: Page) => page.locator('h1').textContent();

async function submit(page: Page, name = 'Submit') {
  await Promise.all([page.waitForURL(`${target.url}**`), page.getByRole('button', { name }).click()]);
  return page.url();
}

describe('the hosted form, off the straight path', () => {
  it('resumes after a reload and after the page is closed, on another device', async () => {
    const session = await newSession();
    const url = formUrl(server, session.session_url);
    const page = await newCustomer(browser);
    await page.goto(url);
    await page.getByRole('link', { name: 'Start now' }).click();
    await page.check('[name="structure"][value="natural_person"]');
    await saveAndContinue(page);
    await page.fill('[name="natural_person.name"]', 'Resuming Customer');
    await page.fill('[name="natural_person.date_of_birth"]', '1980-05-17');
    await saveAndContinue(page); // with errors: what was typed is saved, never discarded
    expect((await problems(page)).length).toBeGreaterThan(0);
    await page.reload();
    expect(await page.inputValue('[name="natural_person.name"]')).toBe('Resuming Customer');
    await page.goBack();
    await page.goForward();
    expect(await page.inputValue('[name="natural_person.date_of_birth"]')).toBe('1980-05-17');
    await page.context().close();

    // Later, on a desktop: the link opens where the customer left off.
    const later = await newCustomer(browser, { viewport: { width: 1280, height: 900 } });
    await later.goto(url);
    expect(await heading(later)).toBe('Your details');
    expect(await later.inputValue('[name="natural_person.name"]')).toBe('Resuming Customer');
    await fillPerson(later, 'natural_person', { ...person(41), name: 'Resuming Customer' });
    await saveAndContinue(later);
    const entity = await entityFromRedirect(server, await submit(later), session.id);
    expect((entity.natural_person as { name: string }).name).toBe('Resuming Customer');
    await later.context().close();
  });

  it('works with JavaScript turned off, adding an owner by posting the page', async () => {
    const session = await newSession();
    const page = await newCustomer(browser, { javaScriptEnabled: false });
    await page.goto(formUrl(server, session.session_url));
    await page.getByRole('link', { name: 'Start now' }).click();
    await page.check('[name="structure"][value="corporation"]');
    await saveAndContinue(page);
    await page.fill('[name="corporation.name"]', 'No Script LLC');
    await page.fill('[name="corporation.legal_identifier.value"]', '123456789');
    await fillAddress(page, 'corporation.address', person(0));
    await saveAndContinue(page);
    await fillPerson(page, 'corporation.beneficial_owners.0.individual', person(51));
    await page.check('[name="corporation.beneficial_owners.0.prongs"][value="control"]');
    await page.getByRole('button', { name: 'Add another owner' }).click();
    await page.waitForLoadState('load');
    expect(await page.inputValue('[name="corporation.beneficial_owners.0.individual.name"]')).toBe('Customer Number51');
    await fillPerson(page, 'corporation.beneficial_owners.1.individual', person(52));
    await page.check('[name="corporation.beneficial_owners.1.prongs"][value="ownership"]');
    await saveAndContinue(page);
    expect(await problems(page)).toEqual([]);
    const entity = await entityFromRedirect(server, await submit(page), session.id);
    const owners = (entity.corporation as { beneficial_owners: { individual: { name: string } }[] }).beneficial_owners;
    expect(owners.map((o) => o.individual.name)).toEqual(['Customer Number51', 'Customer Number52']);
    await page.context().close();
  });

  it('speaks Spanish, chosen by the browser or by the switch, keeping progress', async () => {
    const session = await newSession();
    const page = await newCustomer(browser, {
      locale: 'es-ES',
      extraHTTPHeaders: { 'accept-language': 'es-ES,es;q=0.9' },
    });
    await page.goto(formUrl(server, session.session_url));
    expect(await heading(page)).toBe('Abre tu cuenta con Default program');
    expect(await page.getAttribute('html', 'lang')).toBe('es');
    await page.getByRole('link', { name: 'Empezar' }).click();
    await page.check('[name="structure"][value="natural_person"]');
    await saveAndContinue(page);
    await page.fill('[name="natural_person.name"]', 'Cliente Hispano');
    await saveAndContinue(page);
    const errors = await problems(page);
    expect(errors).toContain('Introduce fecha de nacimiento');
    await expectAccessible(page);
    await screenshot(page, '12-errors-spanish');
    // The switch keeps what was saved.
    await page.getByRole('link', { name: 'English' }).click();
    expect(await heading(page)).toBe('Your details');
    expect(await page.inputValue('[name="natural_person.name"]')).toBe('Cliente Hispano');
    await page.getByRole('link', { name: 'Español' }).click();
    await fillPerson(page, 'natural_person', { ...person(61), name: 'Cliente Hispano' });
    await saveAndContinue(page);
    expect(await heading(page)).toBe('Revisa tus respuestas');
    // Dates read back in the customer's language.
    expect(await page.locator('dd', { hasText: /^\d+ de [a-z]+ de \d{4}$/ }).count()).toBe(1);
    const entity = await entityFromRedirect(server, await submit(page, 'Enviar'), session.id);
    expect((entity.natural_person as { name: string }).name).toBe('Cliente Hispano');
    await page.context().close();
  });

  it('shows each problem at the top and at its field, and gets through once they are fixed', async () => {
    const session = await newSession();
    const page = await newCustomer(browser);
    await page.goto(`${formUrl(server, session.session_url)}&step=structure`);
    await saveAndContinue(page);
    expect(await problems(page)).toEqual(['Select who is opening the account']);
    await page.check('[name="structure"][value="natural_person"]');
    await saveAndContinue(page);
    await fillPerson(page, 'natural_person', {
      ...person(71),
      dateOfBirth: '2020-01-01',
      line1: 'PO Box 12',
      zip: '1234',
      ssn: '000-12-3456',
    });
    await saveAndContinue(page);
    expect(await page.title()).toMatch(/^Error: /);
    expect(await problems(page)).toEqual([
      'Date of birth must be that of an adult (18 or older)',
      'Address line 1 must be a physical address, not a PO box or private mailbox',
      'ZIP or postal code must be a five-digit ZIP code, or ZIP+4 (12345-6789)',
      'Number is not a Social Security Number the SSA issues',
    ]);
    // Focus is on the summary; each entry leads to its field, which says the same.
    expect(await page.evaluate('document.activeElement?.className')).toBe('error-summary');
    await page.getByRole('link', { name: /ZIP or postal code must be/ }).click();
    expect(await page.evaluate('document.activeElement?.id')).toBe('f-natural_person-address-zip');
    expect(await page.locator('#f-natural_person-address-zip-error').textContent()).toContain('five-digit ZIP');
    expect(await page.inputValue('[name="natural_person.address.line1"]')).toBe('PO Box 12');
    await expectAccessible(page);
    await screenshot(page, '13-errors');
    await fillPerson(page, 'natural_person', person(71));
    await saveAndContinue(page);
    expect(await problems(page)).toEqual([]);
    await entityFromRedirect(server, await submit(page), session.id);
    await page.context().close();
  });

  it('takes a passport photo from a customer without a US tax id, checking the file first', async () => {
    const session = await newSession();
    const page = await newCustomer(browser);
    await page.goto(`${formUrl(server, session.session_url)}&step=structure`);
    await page.check('[name="structure"][value="natural_person"]');
    await saveAndContinue(page);
    const path = 'natural_person';
    await fillPerson(page, path, { ...person(81), country: 'FR', state: '' } as never);
    await page.selectOption(`[name="${path}.address.country"]`, 'FR');
    await page.check(`[name="${path}.identification.method"][value="passport"]`);
    // Revealed only for a passport.
    expect(await page.isVisible(`[name="${path}.identification.passport.file_id"]`)).toBe(true);
    expect(await page.isVisible(`[name="${path}.identification.drivers_license.file_id"]`)).toBe(false);
    await page.fill(`[name="${path}.identification.number"]`, 'X1234567');
    await page.check(`[name="${path}.confirmed_no_us_tax_id"]`);
    // A file of the wrong kind is refused before it is sent.
    await page.setInputFiles(`[name="${path}.identification.passport.file_id"]`, {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not a photo'),
    });
    expect(await page.locator('.client-error').textContent()).toContain('JPEG');
    await page.setInputFiles(`[name="${path}.identification.passport.file_id"]`, {
      name: 'passport.png',
      mimeType: 'image/png',
      buffer: png,
    });
    expect(await page.locator('.preview img').count()).toBe(1);
    await page.fill(`[name="${path}.identification.passport.expiration_date"]`, '2035-01-31');
    await page.selectOption(`[name="${path}.identification.passport.country"]`, 'FR');
    await expectAccessible(page);
    await saveAndContinue(page);
    expect(await problems(page)).toEqual([]);
    expect(await page.locator('dd', { hasText: 'passport.png' }).count()).toBe(1);
    const entity = await entityFromRedirect(server, await submit(page), session.id);
    expect(entity.natural_person).toMatchObject({
      address: { country: 'FR' },
      identification: { method: 'passport', number_last4: '4567' },
    });
    const files = await server.client().files.list({ purpose: { in: ['identity_document'] } });
    expect(files.data.map((f) => f.filename)).toContain('passport.png');
    await page.context().close();
  });

  it('fixes the outstanding tasks of an existing Entity, and updates it rather than making another', async () => {
    const client = server.client();
    const entity = await client.entities.create(corporation(7));
    await client.simulations.entities.updateValidation(entity.id, {
      issues: [{ category: 'entity_address' }, { category: 'beneficial_owner_identity' }],
    });
    const session = await newSession(entity.id);
    const entitiesBefore = (await client.entities.list({ limit: 100 })).data.length;
    const page = await newCustomer(browser);
    await page.goto(formUrl(server, session.session_url));
    expect(await heading(page)).toBe('Details to update');
    // The address on file is shown to correct.
    expect(await page.inputValue('[name="corporation.address.line1"]')).toBe('100 Market Street');
    await expectAccessible(page);
    await screenshot(page, '14-tasks');
    await page.fill('[name="corporation.address.line1"]', '200 Market Street');
    const owner = (entity.corporation as { beneficial_owners: { id: string }[] }).beneficial_owners[0]?.id;
    await page.check(`[name="owners.${owner}.identification.method"][value="social_security_number"]`);
    await page.fill(`[name="owners.${owner}.identification.number"]`, '12');
    await submitExpectingErrors(page);
    expect(await problems(page)).toEqual(['Number must be nine digits with no dashes or spaces']);
    await page.fill(`[name="owners.${owner}.identification.number"]`, '512-34-9999');
    const redirected = new URL(await submit(page));
    expect(redirected.searchParams.get('entity_id')).toBe(entity.id);
    const updated = await client.entities.retrieve(entity.id);
    expect(updated.corporation?.address.line1).toBe('200 Market Street');
    expect(updated.corporation?.beneficial_owners[0]?.individual.identification?.number_last4).toBe('9999');
    expect(updated.details_confirmed_at).not.toBeNull();
    expect((await client.entities.list({ limit: 100 })).data.length).toBe(entitiesBefore);
    await page.context().close();
  });

  it('asks only to confirm the details of an Entity with nothing outstanding', async () => {
    const client = server.client();
    const entity = await client.entities.create(naturalPerson(8));
    const session = await newSession(entity.id);
    const page = await newCustomer(browser);
    await page.goto(formUrl(server, session.session_url));
    expect(await heading(page)).toBe('Confirm your details');
    await expectAccessible(page);
    await screenshot(page, '15-confirm');
    const redirected = new URL(await submit(page, 'Confirm these details'));
    expect(redirected.searchParams.get('entity_id')).toBe(entity.id);
    expect((await client.entities.retrieve(entity.id)).details_confirmed_at).not.toBeNull();
    await page.context().close();
  });

  it('shows one calm page for an expired, a used or an unknown link', async () => {
    const client = server.client();
    const session = await newSession();
    const page = await newCustomer(browser);
    await client.entityOnboardingSessions.expire(session.id);
    const response = await page.goto(formUrl(server, session.session_url));
    expect(response?.status()).toBe(410);
    expect(await heading(page)).toBe('This link has expired');
    expect(await page.textContent('main')).toContain('Ask Default program for a new one.');
    await expectAccessible(page);
    await screenshot(page, '16-expired');
    const unknown = await page.goto(`${server.url}/onboarding/sessions?id=${'x'.repeat(40)}`);
    expect(unknown?.status()).toBe(404);
    expect(await heading(page)).toBe('This link has expired');
    expect(await page.textContent('main')).not.toContain('Default program');
    await page.context().close();
  });
});

async function submitExpectingErrors(page: Page) {
  await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Submit' }).click()]);
}

describe("a program's own settings", () => {
  it('show its name, colour and terms, offer only its structures, and record the agreement', async () => {
    const programId = await server.newProgram();
    await server.configureProgram(programId, {
      display_name: 'Example Credit Union',
      accent_color: '#7a1f5c',
      logo_url: 'https://cdn.platform.example/logo.png',
      terms_url: 'https://platform.example/terms',
      structures: ['natural_person'],
    });
    const session = await server
      .client()
      .entityOnboardingSessions.create({ program_id: programId, redirect_url: target.url });
    const page = await newCustomer(browser);
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));
    const response = await page.goto(formUrl(server, session.session_url));
    expect(await heading(page)).toBe('Open your account with Example Credit Union');
    expect(response?.headers()['content-security-policy']).toContain(
      "img-src 'self' blob: https://cdn.platform.example",
    );
    const accent = await page.evaluate(
      "getComputedStyle(document.documentElement).getPropertyValue('--accent').trim()",
    );
    expect(accent).toBe('#7a1f5c');
    await page.getByRole('link', { name: 'Start now' }).click();
    // One structure offered: no question about it.
    expect(await heading(page)).toBe('Your details');
    expect(await page.textContent('.step-count')).toBe('Step 1 of 2');
    await fillPerson(page, 'natural_person', person(91));
    await saveAndContinue(page);
    await page.getByRole('button', { name: 'Submit' }).click();
    await page.waitForLoadState('load');
    expect(await problems(page)).toEqual(['Agree to the terms to continue']);
    await expectAccessible(page);
    await page.check('#f-terms');
    const entity = await entityFromRedirect(server, await submit(page), session.id);
    expect(entity.terms_agreements).toEqual([
      { terms_url: 'https://platform.example/terms', ip_address: '127.0.0.1', agreed_at: expect.stringMatching(/Z$/) },
    ]);
    // Nothing was fetched from anywhere but the form's own server (the logo's host aside) until the redirect.
    origins.delete(new URL(target.url).origin);
    origins.delete('https://cdn.platform.example');
    expect([...origins]).toEqual([new URL(server.url).origin]);
    await page.context().close();
  });
});

describe('keyboard and small screens', () => {
  it('can be completed with the keyboard alone, and fits a 320 px wide screen', async () => {
    const session = await newSession();
    const page = await newCustomer(browser, { viewport: { width: 320, height: 640 } });
    await page.goto(`${formUrl(server, session.session_url)}&step=structure`);
    await page.keyboard.press('Tab'); // skip link
    await page.keyboard.press('Tab'); // language switch
    await page.keyboard.press('Tab'); // back link
    await page.keyboard.press('Tab'); // first choice
    expect(await page.evaluate('document.activeElement?.value')).toBe('natural_person');
    await page.keyboard.press('Space');
    await Promise.all([page.waitForLoadState('load'), page.keyboard.press('Enter')]);
    expect(await heading(page)).toBe('Your details');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(320);
    await page.context().close();
  });
});
