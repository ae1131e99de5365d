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
import type { TestServer } from '../support/server.js';

/**
 * A new customer completes the form for each structure in real Chromium, lands on the
 * platform's redirect URL with both parameters, and the platform reads back what was typed.
 * Every page is checked with axe, and photographed for docs/screenshots.
 */

let server: TestServer;
let browser: Browser;
let target: RedirectTarget;
useFormTests((env) => {
  ({ server, browser, target } = env);
});

async function startSession(): Promise<{ page: Page; id: string }> {
  const session = await server.client().entityOnboardingSessions.create({
    program_id: server.programId,
    redirect_url: `${target.url}?platform_ref=abc#done`,
  });
  const page = await newCustomer(browser);
  await page.goto(formUrl(server, session.session_url));
  return { page, id: session.id };
}

/** Checks and photographs the page, then saves and continues. */
async function next(page: Page, shot?: string) {
  await expectAccessible(page);
  if (shot) await screenshot(page, shot);
  await saveAndContinue(page);
  expect(await problems(page)).toEqual([]);
}

async function chooseStructure(page: Page, structure: string, shot = false) {
  await expectAccessible(page);
  if (shot) await screenshot(page, '01-welcome');
  await page.getByRole('link', { name: 'Start now' }).click();
  await page.check(`[name="structure"][value="${structure}"]`);
  await next(page, shot ? '02-structure' : undefined);
}

async function submitReview(page: Page, shot?: string): Promise<string> {
  expect(await page.locator('h1').textContent()).toBe('Check your answers');
  await expectAccessible(page);
  if (shot) await screenshot(page, shot);
  await Promise.all([page.waitForURL(`${target.url}**`), page.getByRole('button', { name: 'Submit' }).click()]);
  const url = new URL(page.url());
  expect(url.searchParams.get('platform_ref')).toBe('abc');
  expect(url.hash).toBe('#done');
  return page.url();
}

describe('each structure, completed as a new customer', () => {
  it('an individual', async () => {
    const { page, id } = await startSession();
    await chooseStructure(page, 'natural_person', true);
    await fillPerson(page, 'natural_person', person(1));
    await next(page, '03-individual');
    const entity = await entityFromRedirect(server, await submitReview(page, '09-review'), id);
    expect(entity).toMatchObject({
      structure: 'natural_person',
      creating_entity_onboarding_session_id: id,
      natural_person: {
        name: 'Customer Number1',
        date_of_birth: '1951-02-11',
        address: { line1: '11 Liberty Street', city: 'New York', state: 'NY', zip: '10045' },
        identification: { method: 'social_security_number', number_last4: '1001' },
      },
    });
    const session = await server.client().entityOnboardingSessions.retrieve(id);
    expect(session).toMatchObject({ status: 'expired', entity_id: entity.id, session_url: null });
    await page.context().close();
  });

  it('a corporation with three beneficial owners', async () => {
    const { page, id } = await startSession();
    await chooseStructure(page, 'corporation');
    await page.fill('[name="corporation.name"]', 'Acme Widgets Inc');
    await page.fill('[name="corporation.legal_identifier.value"]', '12-3456789');
    await page.selectOption('[name="corporation.incorporation_state"]', 'DE');
    await page.fill('[name="corporation.industry_code"]', '5132');
    await page.fill('[name="corporation.website"]', 'https://acme.example');
    await fillAddress(page, 'corporation.address', { ...person(0), line1: '100 Market Street' });
    await next(page, '04-company');
    for (let i = 0; i < 3; i++) {
      const path = `corporation.beneficial_owners.${i}`;
      if (i > 0) {
        await page.getByRole('button', { name: 'Add another owner' }).click();
      }
      await fillPerson(page, `${path}.individual`, person(10 + i));
      await page.check(`[name="${path}.prongs"][value="${i === 0 ? 'control' : 'ownership'}"]`);
    }
    await next(page, '05-owners');
    const entity = await entityFromRedirect(server, await submitReview(page), id);
    const corporation = entity.corporation as {
      name: string;
      legal_identifier: { value: string };
      beneficial_owners: { individual: { name: string }; prongs: string[] }[];
    };
    expect(corporation.name).toBe('Acme Widgets Inc');
    expect(corporation.legal_identifier.value).toMatch(/^\*+6789$/);
    expect(corporation.beneficial_owners.map((o) => [o.individual.name, o.prongs])).toEqual([
      ['Customer Number10', ['control']],
      ['Customer Number11', ['ownership']],
      ['Customer Number12', ['ownership']],
    ]);
    await page.context().close();
  });

  it('a joint account', async () => {
    const { page, id } = await startSession();
    await chooseStructure(page, 'joint');
    await fillPerson(page, 'joint.individuals.0', person(21));
    await fillPerson(page, 'joint.individuals.1', person(22));
    await next(page, '06-joint');
    const entity = await entityFromRedirect(server, await submitReview(page), id);
    const joint = entity.joint as { individuals: { name: string }[] };
    expect(joint.individuals.map((p) => p.name)).toEqual(['Customer Number21', 'Customer Number22']);
    await page.context().close();
  });

  it('a revocable trust with its trustee and grantor', async () => {
    const { page, id } = await startSession();
    await chooseStructure(page, 'trust');
    await page.fill('[name="trust.name"]', 'The Example Family Trust');
    await page.check('[name="trust.category"][value="revocable"]');
    await page.selectOption('[name="trust.formation_state"]', 'NY');
    await fillAddress(page, 'trust.address', person(0));
    await next(page, '07-trust');
    await fillPerson(page, 'trust.trustees.0.individual', person(31));
    await fillPerson(page, 'trust.grantor', person(32));
    await next(page, '08-trustees');
    const entity = await entityFromRedirect(server, await submitReview(page), id);
    expect(entity.trust).toMatchObject({
      name: 'The Example Family Trust',
      category: 'revocable',
      formation_state: 'NY',
      trustees: [{ structure: 'individual', individual: { name: 'Customer Number31' } }],
      grantor: { name: 'Customer Number32' },
    });
    await page.context().close();
  });

  it('a government authority with two authorized persons', async () => {
    const { page, id } = await startSession();
    await chooseStructure(page, 'government_authority');
    await page.fill('[name="government_authority.name"]', 'City of Example');
    await page.check('[name="government_authority.category"][value="municipality"]');
    await page.fill('[name="government_authority.tax_identifier"]', '12-3456789');
    await fillAddress(page, 'government_authority.address', person(0));
    await next(page, '10-authority');
    await page.fill('[name="government_authority.authorized_persons.0.name"]', 'Alex Mayor');
    await page.getByRole('button', { name: 'Add another person' }).click();
    await page.fill('[name="government_authority.authorized_persons.1.name"]', 'Sam Treasurer');
    await next(page, '11-authorized-persons');
    const entity = await entityFromRedirect(server, await submitReview(page), id);
    expect(entity.government_authority).toMatchObject({
      name: 'City of Example',
      category: 'municipality',
      authorized_persons: [{ name: 'Alex Mayor' }, { name: 'Sam Treasurer' }],
    });
    await page.context().close();
  });
});
