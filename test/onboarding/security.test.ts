import { get } from 'node:http';
import { describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/config.js';
import { sha256 } from '../../src/domain/secrets.js';
import { Database } from '../../src/storage/database.js';
import { FormClient, inputsOf } from '../support/form-client.js';
import { startTestServer, type TestServer, useTestServer } from '../support/server.js';

/** What keeps the form safe: headers on every page, escaping everywhere, tokens checked, nothing leaked. */

let server: TestServer;
useTestServer((s) => {
  server = s;
});

const redirect_url = 'https://platform.example/back?ref=42#top';
const payload = '<script>alert(1)</script>';
const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;';

async function newForm() {
  const session = await server.client().entityOnboardingSessions.create({ program_id: server.programId, redirect_url });
  return { session, form: new FormClient(server, session.session_url) };
}

function expectSecurityHeaders(response: Response) {
  const headers = response.headers;
  expect(headers.get('referrer-policy')).toBe('no-referrer');
  expect(headers.get('cache-control')).toBe('no-store');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).toContain("form-action 'self'");
}

/** The bytes a browser taking brotli receives for `url`, as sent (fetch would decompress them). */
function transferred(url: string): Promise<{ bytes: number; encoding: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'accept-encoding': 'br, gzip' } }, (response) => {
      let bytes = 0;
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
      response.on('end', () => resolve({ bytes, encoding: response.headers['content-encoding'] }));
    }).on('error', reject);
  });
}

/** Answers every step for a government authority named `name`, up to the review page. */
async function completeAuthority(form: FormClient, name: string) {
  await form.post('structure', { structure: 'government_authority' });
  await form.post('authority', {
    'government_authority.name': name,
    'government_authority.category': 'municipality',
    'government_authority.tax_identifier': '12-3456789',
    'government_authority.address.line1': '1 Main Street',
    'government_authority.address.city': 'Albany',
    'government_authority.address.state': 'NY',
    'government_authority.address.zip': '12207',
  });
  await form.post('authorized_persons', { 'government_authority.authorized_persons.0.name': 'Pat Clerk' });
}

const structurePages: Record<string, string[]> = {
  natural_person: ['person'],
  corporation: ['business', 'owners'],
  joint: ['joint'],
  trust: ['trust', 'trustees'],
  government_authority: ['authority', 'authorized_persons'],
};

describe('every page of the form', () => {
  it('carries the security headers, with no inline script, and is at most 30 KB compressed with its assets', async () => {
    const { form } = await newForm();
    const pages = [await form.get(), await form.get('structure')];
    for (const [structure, steps] of Object.entries(structurePages)) {
      await form.post('structure', { structure });
      for (const step of steps) pages.push(await form.get(step));
      // Repeated groups at their largest common size.
      await form.post(steps.at(-1) as string, { action: 'add:owners' });
    }
    await form.post('structure', { structure: 'corporation' });
    for (let i = 0; i < 3; i++) await form.post('owners', { action: 'add:owners' });
    const owners = await transferred(form.url('owners'));
    pages.push(await form.get('review'));
    for (const { response, html } of pages) {
      expect(response.status).toBe(200);
      expectSecurityHeaders(response);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/\son[a-z]+=/);
      expect(html).not.toMatch(/<link[^>]+href="https?:/);
    }
    const assets = [...(pages[0]?.html ?? '').matchAll(/(?:href|src)="(\/onboarding\/assets\/[^"]+)"/g)].map(
      (m) => m[1],
    );
    expect(assets).toHaveLength(2);
    let assetBytes = 0;
    for (const asset of assets) {
      const response = await transferred(`${server.url}${asset}`);
      expect(response.encoding).toBe('br');
      assetBytes += response.bytes;
    }
    expect(owners.encoding).toBe('br');
    // The heaviest page: four owners, each with three country lists.
    expect(owners.bytes + assetBytes).toBeLessThanOrEqual(30 * 1024);
    expect(pages.at(-1)?.html).toBeDefined();
  });

  it('shows a name like <script> as text, in every text field of every structure and on the review page', async () => {
    for (const [structure, steps] of Object.entries(structurePages)) {
      const { form } = await newForm();
      await form.post('structure', { structure });
      if (structure === 'trust') await form.post('trust', { 'trust.category': 'revocable' });
      for (const step of steps) {
        const { html } = await form.get(step);
        const texts = inputsOf(html).filter((i) => ['text', 'email'].includes(i.type));
        expect(texts.length).toBeGreaterThan(0);
        const fields = Object.fromEntries(texts.map((i) => [i.name, payload]));
        if (structure === 'trust' && step === 'trust') fields['trust.category'] = 'revocable';
        const saved = await form.post(step, fields);
        expect(saved.response.status).toBe(303);
        const page = await form.get(step);
        expect(page.html).not.toContain(payload);
        expect(page.html.split(escaped).length - 1).toBeGreaterThanOrEqual(texts.length);
      }
      const review = await form.get('review');
      expect(review.html).not.toContain(payload);
      expect(review.html).toContain(escaped);
    }
  });

  it('ignores a post without the page token, and says so calmly', async () => {
    const { form } = await newForm();
    const refused = await form.post('structure', { structure: 'joint' }, { csrf: null });
    expect(refused.response.status).toBe(403);
    expect(refused.html).toContain('Your answers could not be saved');
    const forged = await form.post('structure', { structure: 'joint' }, { csrf: 'x'.repeat(43) });
    expect(forged.response.status).toBe(403);
    const { html } = await form.get('structure');
    expect(html).not.toMatch(/value="joint" checked/);
  });

  it('changes nothing when a link is opened: no event, no saved progress, still active', async () => {
    const { session, form } = await newForm();
    const client = server.client();
    const events = async () => (await client.events.list({ limit: 100 })).data.length;
    const before = await events();
    for (const step of [undefined, 'structure', 'person', 'review', 'nonsense']) {
      const { response } = await form.get(step);
      expect(response.status).toBe(200);
    }
    expect(await events()).toBe(before);
    expect((await client.entityOnboardingSessions.retrieve(session.id)).status).toBe('active');
  });

  it('sends the customer only to the registered redirect URL, keeping its query and fragment', async () => {
    const { session, form } = await newForm();
    await completeAuthority(form, 'Town of Testing');
    const done = await form.post('review', { action: 'submit' });
    expect(done.response.status).toBe(303);
    const location = new URL(done.location as string);
    expect(`${location.origin}${location.pathname}`).toBe('https://platform.example/back');
    expect(location.searchParams.get('ref')).toBe('42');
    expect(location.searchParams.get('entity_onboarding_session_id')).toBe(session.id);
    expect(location.hash).toBe('#top');
    // The body is a page with a link, for a browser that does not follow redirects.
    expect(done.html).toContain('Your details have been sent');
    // Once used, the link is gone, and says nothing more.
    const again = await form.get('review');
    expect(again.response.status).toBe(410);
    expect(again.html).not.toContain('Town of Testing');
    const replay = await form.post('review', { action: 'submit' }, { csrf: 'x' });
    expect(replay.response.status).toBe(410);
  });

  it('never writes the link token to the logs', async () => {
    const { form } = await newForm();
    await form.get('structure');
    await form.post('structure', { structure: 'natural_person' });
    await server.logsSettled();
    expect(server.logs.join('\n')).not.toContain(form.token);
  });
});

describe('link tokens', () => {
  /** The status of the form's first page at `session_url` with `token` in place of its own. */
  const statusWith = async (sessionUrl: string | null, token: string) => {
    const url = new URL(new FormClient(server, sessionUrl).base);
    url.searchParams.set('id', token);
    return (await fetch(url)).status;
  };

  it('lead with the time their session was made, then 40 digits only the server can derive', async () => {
    const { session, form } = await newForm();
    expect(form.token).toMatch(/^[a-z0-9]{8}[A-Za-z0-9]{40}$/);
    expect(form.token.slice(0, 8)).toBe(session.id.slice(-20, -12));
    expect(await statusWith(session.session_url, form.token)).toBe(200);
  });

  it('of a session stored before tokens led with the time: its first link and the one reads show now both open it', async () => {
    const { session, form } = await newForm();
    const digits = form.token.slice(8);
    // As such a session was stored: the hash of the digits alone, which were its whole token.
    await server.transaction((tx) =>
      tx
        .updateTable('entity_onboarding_sessions')
        .set({ token_hash: sha256(digits) })
        .where('id', '=', session.id)
        .execute(),
    );
    expect(await statusWith(session.session_url, digits)).toBe(200);
    expect(await statusWith(session.session_url, form.token)).toBe(200);
    expect((await server.client().entityOnboardingSessions.retrieve(session.id)).session_url).toBe(session.session_url);
  });

  it("open nothing with another session's time, a changed digit, or the digits alone of a session stored since", async () => {
    const { session, form } = await newForm();
    const [time, digits] = [form.token.slice(0, 8), form.token.slice(8)];
    const otherTime = time === '00000000' ? '00000001' : '00000000';
    const changedDigit = `${digits.slice(0, -1)}${digits.endsWith('x') ? 'y' : 'x'}`;
    expect(await statusWith(session.session_url, `${otherTime}${digits}`)).toBe(404);
    expect(await statusWith(session.session_url, `${time}${changedDigit}`)).toBe(404);
    expect(await statusWith(session.session_url, digits)).toBe(404);
  });
});

describe('what the customer types', () => {
  it('is kept encrypted until the session ends, then deleted', async () => {
    const { session, form } = await newForm();
    await form.post('structure', { structure: 'natural_person' });
    await form.post('person', {
      'natural_person.name': 'Secretive Customer',
      'natural_person.date_of_birth': '1977-07-07',
      'natural_person.identification.method': 'social_security_number',
      'natural_person.identification.number': '512-34-7777',
    });
    const database = Database.open(parseDatabaseUrl(server.databaseUrl));
    try {
      const rows = () =>
        database.db.selectFrom('onboarding_progress').selectAll().where('id', '=', session.id).execute();
      const [row, ...others] = await rows();
      expect(others).toEqual([]);
      // Nothing but ciphertext (`v1.<key id>.<nonce>.<body>`), and nothing typed beside it.
      expect(row?.data).toMatch(/^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+$/);
      const beside = JSON.stringify({ ...row, data: undefined, id: undefined });
      for (const secret of ['Secretive', '1977-07-07', '7777']) expect(beside).not.toContain(secret);
      for (const secret of ['512-34-7777', '512347777']) expect(row?.data).not.toContain(secret);
      await server.client().entityOnboardingSessions.expire(session.id);
      expect(await rows()).toEqual([]);
    } finally {
      await database.close();
    }
  });

  it('is refused as an upload when it is not a photo or PDF, with a clear way to retry', async () => {
    const { form } = await newForm();
    await form.post('structure', { structure: 'natural_person' });
    const body = new FormData();
    body.append('csrf', await form.csrf('person'));
    body.append('natural_person.identification.method', 'passport');
    body.append('natural_person.identification.passport.file_id', new Blob(['just text']), 'scan.txt');
    const response = await fetch(form.url('person'), { method: 'POST', body, redirect: 'manual' });
    expect(response.status).toBe(303);
    const { html } = await form.get('person');
    expect(html).toContain('The file must be a JPEG, PNG, HEIC, WebP, GIF, TIFF or PDF');
    expect(html).toMatch(
      /<input type="radio" id="[^"]+" name="natural_person.identification.method" value="passport" checked/,
    );
  });
  it('asks again for the files past the most one post reads, instead of dropping them unseen', async () => {
    const { form } = await newForm();
    await form.post('structure', { structure: 'corporation' });
    for (let i = 0; i < 4; i++) await form.post('owners', { action: 'add:owners' });
    const body = new FormData();
    for (const [name, value] of Object.entries(await form.hidden('owners'))) body.append(name, value);
    // Five owners, each with both sides of a driver's license: ten files, two past the limit.
    const pdf = new Blob(['%PDF-1.4\n%%EOF\n'], { type: 'application/pdf' });
    for (let owner = 0; owner < 5; owner++) {
      const identification = `corporation.beneficial_owners.${owner}.individual.identification`;
      body.append(`${identification}.method`, 'drivers_license');
      body.append(`${identification}.drivers_license.file_id`, pdf, `front-${owner}.pdf`);
      body.append(`${identification}.drivers_license.back_file_id`, pdf, `back-${owner}.pdf`);
    }
    const response = await fetch(form.url('owners'), { method: 'POST', body, redirect: 'manual' });
    expect(response.status).toBe(303);
    const { html } = await form.get('owners');
    for (let owner = 0; owner < 4; owner++) {
      expect(html).toContain(`front-${owner}.pdf`);
      expect(html).toContain(`back-${owner}.pdf`);
    }
    expect(html).not.toContain('front-4.pdf');
    // The message at each input whose file was not read (ids as the form writes them).
    const fieldError = (name: string) =>
      new RegExp(
        `id="f-${name.replaceAll('.', '-')}-error"><span[^>]*>[^<]*</span>This file did not arrive: too many files`,
      );
    expect(html).toMatch(
      fieldError('corporation.beneficial_owners.4.individual.identification.drivers_license.file_id'),
    );
    expect(html).toMatch(
      fieldError('corporation.beneficial_owners.4.individual.identification.drivers_license.back_file_id'),
    );
  });
});

describe('posts that race or are out of date', () => {
  it('a double-clicked submit makes one Entity and sends both answers to the platform', async () => {
    const { session, form } = await newForm();
    await completeAuthority(form, 'Town of Doubles');
    const csrf = await form.csrf('review');
    const [first, second] = await Promise.all([
      form.post('review', { action: 'submit' }, { csrf }),
      form.post('review', { action: 'submit' }, { csrf }),
    ]);
    expect([first.response.status, second.response.status]).toEqual([303, 303]);
    expect(first.location).toBe(second.location);
    const entityId = new URL(first.location as string).searchParams.get('entity_id');
    const entities = await server.client().entities.list({ limit: 100 });
    expect(
      entities.data.filter((e) => e.creating_entity_onboarding_session_id === session.id).map((e) => e.id),
    ).toEqual([entityId]);
  });

  it('a remove from a page showing another number of owners changes nothing', async () => {
    const { form } = await newForm();
    await form.post('structure', { structure: 'corporation' });
    await form.post('owners', { action: 'add:owners' });
    await form.post('owners', {
      'corporation.beneficial_owners.1.individual.name': 'Second Owner',
      action: 'add:owners',
    });
    // A tab drawn when there were two owners asks to remove the first: it is out of date.
    const stale = await form.post('owners', { action: 'remove:owners:0', 'repeat-count': '2' });
    expect(stale.response.status).toBe(303);
    const nonsense = await form.post('owners', {
      'corporation.beneficial_owners.1.individual.name': 'Second Owner',
      action: 'remove:owners:x',
    });
    expect(nonsense.response.status).toBe(303);
    const { html } = await form.get('owners');
    expect(html).toContain('name="corporation.beneficial_owners.2.individual.name"');
    expect(html).toContain('value="Second Owner"');
    await form.post('owners', {
      'corporation.beneficial_owners.1.individual.name': 'Second Owner',
      action: 'remove:owners:0',
    });
    const after = await form.get('owners');
    expect(after.html).not.toContain('name="corporation.beneficial_owners.2.individual.name"');
    expect(after.html).toMatch(/name="corporation.beneficial_owners.0.individual.name"[^>]*value="Second Owner"/);
  });

  it('reads no more than 5,000 values of a post: a token sent after 60,000 is never seen', async () => {
    const { form } = await newForm();
    const body = `${'structure=joint&'.repeat(60_000)}csrf=${await form.csrf()}`;
    const response = await fetch(form.url('structure'), {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(response.status).toBe(403);
    // The same token among the first values is accepted: the refusal above is the cap's.
    const within = `csrf=${await form.csrf()}&${'structure=joint&'.repeat(60_000)}`;
    const accepted = await fetch(form.url('structure'), {
      method: 'POST',
      body: within,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      redirect: 'manual',
    });
    expect(accepted.status).toBe(303);
  });
});

describe('posts per session', () => {
  it('are rate limited, with a calm page and Retry-After', async () => {
    const limited = await startTestServer({ ONBOARD_FORM_POSTS_PER_MINUTE: '20' });
    try {
      const session = await limited
        .client()
        .entityOnboardingSessions.create({ program_id: limited.programId, redirect_url });
      const form = new FormClient(limited, session.session_url);
      const csrf = await form.csrf();
      const statuses: number[] = [];
      for (let i = 0; i < 14; i++)
        statuses.push((await form.post('structure', { structure: 'joint' }, { csrf })).response.status);
      expect(statuses.slice(0, 10).every((s) => s === 303)).toBe(true);
      const refused = await form.post('structure', { structure: 'joint' }, { csrf });
      expect(refused.response.status).toBe(429);
      expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(refused.html).toContain('Too many attempts');
    } finally {
      await limited.stop();
    }
  });
});
