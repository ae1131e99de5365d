import multipart from '@fastify/multipart';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { checkFiles } from '../domain/entities/beneficial-owners.js';
import type { Structure } from '../domain/entities/params.js';
import { structures } from '../domain/entities/params.js';
import { DomainError, FieldErrors } from '../domain/errors.js';
import { saveFormProgress } from '../domain/form-progress.js';
import { findProgramRow, onboardingSettingsOf } from '../domain/programs.js';
import { isActive } from '../domain/sessions.js';
import { nowTimestamp } from '../domain/time.js';
import { RateLimiter } from '../http/rate-limit.js';
import type { Executor } from '../storage/database.js';
import type { EntityOnboardingSessionTable } from '../storage/schema.js';
import { loadAssets } from './assets.js';
import { type UploadProblem, uploadProblem, uploadText, wordErrors } from './errors.js';
import type { Field } from './fields.js';
import { applies, checkSteps, entityDraft, fieldsOf, isStructure, type Step, stepsFor } from './flow.js';
import { html } from './html.js';
import { catalogs, chooseLanguage, isLang, type Lang } from './messages/index.js';
import { entityPage, reviewPage, stepPage, submittedPage, welcomePage } from './pages.js';
import { type FormPost, readPost, removeFromGroup } from './post.js';
import { loadProgress } from './progress.js';
import { baseHeaders, compress, contentSecurityPolicy, csrfMatches, csrfToken, styleHash } from './security.js';
import { checkTasks, currentAnswers, type OwnerDetails, taskSections } from './tasks.js';
import { type FormError, layout, type PageContext } from './views.js';

type SessionRow = EntityOnboardingSessionTable;

const megabytes = (bytes: number) => `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MB`;

/**
 * The hosted form at `session_url`: server-rendered pages that work without JavaScript, one
 * post per step (post, then redirect, then get), progress saved after each. A GET only reads.
 */
export const onboardingRoutes: FastifyPluginAsync = async (app) => {
  const { db, sessions, entities, files, secrets, config } = app.services;
  const assets = loadAssets();
  const postLimiter = new RateLimiter(config.formPostsPerMinute / 60, Math.max(10, config.formPostsPerMinute / 2));

  await app.register(multipart, {
    throwFileSizeLimit: false,
    limits: { fileSize: files.sizeLimit + 1, files: 100, fields: 5000, parts: 5100, fieldSize: 16 * 1024 },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  app.addHook('onRequest', async (_request, reply) => {
    reply.headers(baseHeaders);
    reply.header('content-security-policy', contentSecurityPolicy({}));
  });
  app.addHook('onSend', compress);

  const plainContext = (request: FastifyRequest, lang?: Lang): PageContext => {
    const chosen = chooseLanguage(lang, request.headers['accept-language']);
    const t = catalogs[chosen];
    return {
      t,
      lang: chosen,
      program: { name: t.theCompany, logoUrl: null, accentColor: null, termsUrl: null },
      link: () => '#main',
      csrf: '',
      sizeText: megabytes(files.sizeLimit),
      sizeLimit: files.sizeLimit,
      assets: { css: assets.css.url, js: assets.js.url },
      accentStyle: null,
    };
  };

  const calmPage = (reply: FastifyReply, ctx: PageContext, status: number, title: string, body: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .send(layout(ctx, title, html`<h1>${title}</h1><p>${body}</p>`, { languageLinks: false }).value);

  app.setErrorHandler((error, request, reply) => {
    const ctx = plainContext(request);
    if (error instanceof DomainError && error.type === 'invalid_operation_error') {
      return calmPage(reply, ctx, 410, ctx.t.goneTitle, ctx.t.notFoundBody);
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    if (status >= 400 && status < 500) return calmPage(reply, ctx, 400, ctx.t.badRequestTitle, ctx.t.badRequestBody);
    request.log.error(
      { err: { type: (error as Error).name, message: (error as Error).message, stack: (error as Error).stack } },
      'form request failed',
    );
    return calmPage(reply, ctx, 500, ctx.t.errorTitle, ctx.t.errorBody);
  });
  app.setNotFoundHandler((request, reply) => {
    const ctx = plainContext(request);
    return calmPage(reply, ctx, 404, ctx.t.goneTitle, ctx.t.notFoundBody);
  });

  app.get('/assets/:name', async (request, reply) => {
    const asset = Object.values(assets).find((a) => a.name === (request.params as { name: string }).name);
    if (!asset) return reply.callNotFound();
    return reply
      .header('cache-control', 'public, max-age=31536000, immutable')
      .header('cross-origin-resource-policy', 'same-origin')
      .type(asset.type)
      .send(asset.body);
  });

  /** The session a request's token opens, with its program; or the calm page it gets instead. */
  async function open(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { afterCompletion?: (executor: Executor, sessionId: string) => Promise<string | null> } = {},
  ) {
    const executor = db.db;
    const query = request.query as Record<string, unknown>;
    const token = typeof query.id === 'string' ? query.id : '';
    const session = token ? await sessions.findByToken(executor, token) : undefined;
    const explicitLang = isLang(query.lang) ? query.lang : undefined;
    if (!session) {
      const ctx = plainContext(request, explicitLang);
      calmPage(reply, ctx, 404, ctx.t.goneTitle, ctx.t.notFoundBody);
      return null;
    }
    const program = (await findProgramRow(executor, session.group_id, session.program_id)) as NonNullable<
      Awaited<ReturnType<typeof findProgramRow>>
    >;
    const settings = onboardingSettingsOf(program);
    const name = settings.display_name ?? program.name;
    if (!isActive(session, nowTimestamp())) {
      const ctx = plainContext(request, explicitLang);
      const redirectTo = await options.afterCompletion?.(executor, session.id);
      if (redirectTo) finish(reply, { ...ctx, program: { ...ctx.program, name } }, redirectTo);
      else calmPage(reply, ctx, 410, ctx.t.goneTitle, ctx.t.goneBody(name));
      return null;
    }
    const progress = await loadProgress(executor, secrets.encryption, session.id);
    const lang = chooseLanguage(explicitLang, request.headers['accept-language'], progress.lang);
    const accentStyle = settings.accent_color ? `:root{--accent:${settings.accent_color}}` : null;
    const returnTo = query.return === 'review' ? 'review' : undefined;
    // Written out rather than through URLSearchParams: a page has several links, each a few µs.
    const link: PageContext['link'] = (options = {}) => {
      let url = `/onboarding/sessions?id=${encodeURIComponent(token)}`;
      const step = options.step ?? (typeof query.step === 'string' ? query.step : undefined);
      if (step) url += `&step=${encodeURIComponent(step)}`;
      const lang = options.lang ?? explicitLang;
      if (lang) url += `&lang=${encodeURIComponent(lang)}`;
      const keepReturn = options.returnTo ?? (options.step === undefined ? returnTo : undefined);
      if (keepReturn) url += `&return=${encodeURIComponent(keepReturn)}`;
      return url;
    };
    const ctx: PageContext = {
      t: catalogs[lang],
      lang,
      program: { name, logoUrl: settings.logo_url, accentColor: settings.accent_color, termsUrl: settings.terms_url },
      link,
      csrf: csrfToken(secrets.tokenSecret, session.id),
      sizeText: megabytes(files.sizeLimit),
      sizeLimit: files.sizeLimit,
      assets: { css: assets.css.url, js: assets.js.url },
      accentStyle,
    };
    reply.header(
      'content-security-policy',
      contentSecurityPolicy({
        imageOrigin: settings.logo_url ?? undefined,
        formTarget: session.redirect_url,
        styleHash: accentStyle ? styleHash(accentStyle) : undefined,
      }),
    );
    const offered: readonly Structure[] = settings.structures ?? structures;
    return {
      session,
      progress,
      ctx,
      lang,
      explicitLang,
      returnTo,
      offered,
      step: typeof query.step === 'string' ? query.step : undefined,
    };
  }

  type Opened = NonNullable<Awaited<ReturnType<typeof open>>>;

  const structureOf = (opened: Opened) => (opened.offered.length === 1 ? opened.offered[0] : opened.progress.structure);

  /** The errors the rules find in some steps, in the customer's words, at the inputs they concern. */
  async function stepErrors(executor: Executor, opened: Opened, steps: Step[], all: Step[]): Promise<FormError[]> {
    const { progress, session } = opened;
    const errors = new FieldErrors();
    const draft = entityDraft(all, progress, structureOf(opened));
    const checks = checkSteps(steps, draft, errors);
    await checkFiles(executor, files, session.group_id, checks.files, errors);
    const sections = steps.flatMap((s) => s.sections(progress));
    const list = wordErrors(opened.ctx, errors, sections, steps.map((s) => opened.ctx.t[s.title]).join(', '));
    // A file the customer chose that could not be kept says why, rather than that none was chosen.
    for (const field of fieldsOf(sections)) {
      const problem = applies(field, progress.answers) && progress.uploadErrors[field.name];
      if (!problem) continue;
      const error = { field: field.name, text: uploadText(opened.ctx, problem) };
      const at = list.findIndex((e) => e.field === field.name);
      if (at >= 0) list[at] = error;
      else list.push(error);
    }
    return list;
  }

  const html200 = (reply: FastifyReply, page: { value: string }) =>
    reply.type('text/html; charset=utf-8').send(page.value);

  app.get('/sessions', async (request, reply) => {
    const opened = await open(request, reply);
    if (!opened) return reply;
    const { ctx, progress, session } = opened;
    if (session.entity_id) return html200(reply, await entityView(db.db, opened, session.entity_id));

    const steps = stepsFor(opened.offered, progress);
    const wanted = opened.step ?? (progress.reached && progress.reached !== 'welcome' ? progress.reached : undefined);
    if (!wanted) return html200(reply, welcomePage(ctx, steps[0]?.id ?? 'review', undefined));
    if (wanted === 'review') {
      const errors =
        progress.attempted.includes('review') && ctx.program.termsUrl && !progress.agreed
          ? [{ field: 'terms', text: ctx.t.termsRequired }]
          : [];
      const back = steps.at(-1);
      return html200(
        reply,
        reviewPage(ctx, {
          steps: steps.filter((s) => s.id !== 'structure' || opened.offered.length > 1),
          progress,
          errors,
          back: back ? ctx.link({ step: back.id }) : null,
          number: steps.length + 1,
        }),
      );
    }
    const index = steps.findIndex((s) => s.id === wanted);
    const step = steps[index];
    if (!step) return html200(reply, welcomePage(ctx, steps[0]?.id ?? 'review', progress.reached));
    const errors = progress.attempted.includes(step.id) ? await stepErrors(db.db, opened, [step], steps) : [];
    const previous = steps[index - 1];
    return html200(
      reply,
      stepPage(ctx, {
        step,
        number: index + 1,
        total: steps.length + 1,
        progress,
        errors,
        back: opened.returnTo
          ? ctx.link({ step: 'review' })
          : previous
            ? ctx.link({ step: previous.id })
            : ctx.link({ step: 'welcome' }),
        returnToReview: opened.returnTo === 'review',
      }),
    );
  });

  /** Keeps what was posted for the inputs of a page; uploads become Files of the session's group. */
  async function keepAnswers(executor: Executor, opened: Opened, fields: Field[], post: FormPost) {
    const { progress, session } = opened;
    for (const field of fields) {
      const sent = post.fields.get(field.name) ?? [];
      if (field.kind === 'file') {
        const upload = post.files.get(field.name);
        if (post.unread.has(field.name)) progress.uploadErrors[field.name] = 'fileNotRead' satisfies UploadProblem;
        if (!upload) continue;
        try {
          const file = await files.create(executor, session.group_id, { purpose: field.purpose, file: upload }, null);
          progress.answers[field.name] = file.id;
          progress.files[file.id] = { filename: upload.filename };
          delete progress.uploadErrors[field.name];
        } catch (error) {
          if (!(error instanceof DomainError)) throw error;
          progress.uploadErrors[field.name] = uploadProblem(error);
        }
        continue;
      }
      progress.answers[field.name] = field.kind === 'checkboxes' ? sent.join(',') : (sent[0] ?? '');
    }
  }

  const seeOther = (reply: FastifyReply, location: string) => reply.code(303).header('location', location).send();

  /** Where a post sends the browser: another page of the form, or, when done, the platform. */
  type Outcome = { location: string } | { redirectTo: string };

  /**
   * Runs a post's work in one transaction, with the session locked and still active and the
   * progress read afresh inside it, so that two tabs (or a double click) cannot interleave.
   */
  function inTransaction(opened: Opened, work: (tx: Executor) => Promise<Outcome>): Promise<Outcome> {
    return db.transaction(async (tx) => {
      const current = await sessions.lockIfActive(tx, opened.session.id, db.kind === 'postgres');
      if (!current) {
        const redirectTo = await completedRedirect(tx, opened.session.id);
        if (redirectTo) return { redirectTo };
        throw new DomainError('invalid_operation_error', 'The session is no longer active.');
      }
      const stored = await loadProgress(tx, secrets.encryption, current.id);
      opened.session = current;
      opened.progress = { ...stored, lang: opened.explicitLang ?? stored.lang };
      return work(tx);
    });
  }

  /** Where a session this form already completed sent its customer (the second post of a double click). */
  async function completedRedirect(executor: Executor, sessionId: string): Promise<string | null> {
    const completion = await sessions.completion(executor, sessionId);
    return completion && redirectWith(completion.redirectUrl, sessionId, completion.entityId);
  }

  app.post('/sessions', async (request, reply) => {
    // The link first: an unknown or closed one costs no more than its calm page.
    const opened = await open(request, reply, {
      // A post to a link this form just completed (a double click) is sent on, if it is genuine.
      afterCompletion: async (executor, sessionId) => {
        const post = await readPost(request, new Set());
        const genuine = csrfMatches(secrets.tokenSecret, sessionId, post.fields.get('csrf')?.[0]);
        return genuine ? completedRedirect(executor, sessionId) : null;
      },
    });
    if (!opened) return reply;
    const { session, ctx } = opened;
    const wait = postLimiter.take(session.id);
    if (wait > 0) {
      reply.header('retry-after', String(wait));
      return calmPage(reply, ctx, 429, ctx.t.tooManyTitle, ctx.t.tooManyBody(wait));
    }
    const postedStep = stepsFor(opened.offered, opened.progress).find((s) => s.id === opened.step);
    const fileInputs = new Set(
      fieldsOf(postedStep?.sections(opened.progress) ?? [])
        .filter((f) => f.kind === 'file')
        .map((f) => f.name),
    );
    const post = await readPost(request, fileInputs);
    if (!csrfMatches(secrets.tokenSecret, session.id, post.fields.get('csrf')?.[0])) {
      return calmPage(reply, ctx, 403, ctx.t.badRequestTitle, ctx.t.badRequestBody);
    }
    const outcome = await inTransaction(opened, (tx) => {
      if (session.entity_id) return submitEntity(tx, request, opened, session.entity_id, post);
      if (opened.step === 'review') return submit(tx, request, opened, post);
      return saveStep(tx, opened, post);
    });
    return 'redirectTo' in outcome ? finish(reply, ctx, outcome.redirectTo) : seeOther(reply, outcome.location);
  });

  /** A step's post: its answers kept, a repeated group grown or shrunk, or the step checked and left. */
  async function saveStep(tx: Executor, opened: Opened, post: FormPost): Promise<Outcome> {
    const { progress, ctx } = opened;
    const action = post.fields.get('action')?.[0] ?? 'continue';
    const steps = stepsFor(opened.offered, progress);
    const step = steps.find((s) => s.id === opened.step);
    if (!step) return { location: ctx.link({ step: progress.reached ?? steps[0]?.id }) };
    const repeat = step.repeat;
    // A page drawn with another number of owners (another tab, a double click) would put its
    // answers in the wrong places: it is shown again as it is now.
    if (repeat && post.fields.get('repeat-count')?.[0] !== String(progress.counts[repeat.group] ?? repeat.min)) {
      return { location: ctx.link({ step: step.id }) };
    }
    await keepAnswers(tx, opened, fieldsOf(step.sections(progress)), post);
    if (step.id === 'structure') {
      const chosen = progress.answers.structure;
      progress.structure = isStructure(chosen) && opened.offered.includes(chosen) ? chosen : undefined;
    }
    let next = step.id;
    let anchor = '';
    if (repeat && action === `add:${repeat.group}`) {
      const count = Math.min(repeat.max, (progress.counts[repeat.group] ?? repeat.min) + 1);
      progress.counts[repeat.group] = count;
      anchor = `#section-${repeat.group}-${count}`;
    } else if (repeat && action.startsWith(`remove:${repeat.group}:`)) {
      removeFromGroup(progress, repeat.group, Number(action.split(':')[2]));
    } else {
      if (!progress.attempted.includes(step.id)) progress.attempted.push(step.id);
      const nowSteps = stepsFor(opened.offered, progress);
      const errors = await stepErrors(tx, opened, [step], nowSteps);
      if (errors.length === 0) {
        const following = nowSteps[nowSteps.findIndex((s) => s.id === step.id) + 1];
        next = opened.returnTo === 'review' || !following ? 'review' : following.id;
      }
    }
    progress.reached = next;
    await saveFormProgress(tx, secrets.encryption, opened.session, progress);
    const keepReturn = next === step.id && opened.returnTo ? opened.returnTo : undefined;
    return { location: ctx.link({ step: next, returnTo: keepReturn }) + anchor };
  }

  const agreementOf = (request: FastifyRequest, termsUrl: string | null) =>
    termsUrl ? [{ terms_url: termsUrl, ip_address: request.ip, agreed_at: new Date().toISOString() }] : undefined;

  /** The review page's post: every step checked again, then the Entity made and the session closed. */
  async function submit(tx: Executor, request: FastifyRequest, opened: Opened, post: FormPost): Promise<Outcome> {
    const { progress, session, ctx } = opened;
    const steps = stepsFor(opened.offered, progress);
    progress.agreed = post.fields.get('terms')?.[0] === 'agreed';
    const failing: Step[] = [];
    for (const step of steps) {
      if ((await stepErrors(tx, opened, [step], steps)).length > 0) failing.push(step);
    }
    const structure = structureOf(opened);
    const termsMissing = ctx.program.termsUrl !== null && !progress.agreed;
    if (failing.length > 0 || termsMissing || !structure) {
      for (const step of failing) if (!progress.attempted.includes(step.id)) progress.attempted.push(step.id);
      if (termsMissing && !progress.attempted.includes('review')) progress.attempted.push('review');
      progress.reached = failing[0]?.id ?? 'review';
      await saveFormProgress(tx, secrets.encryption, session, progress);
      return { location: ctx.link({ step: progress.reached, returnTo: failing[0] ? 'review' : undefined }) };
    }
    const draft = entityDraft(steps, progress, structure) as Parameters<typeof entities.create>[2];
    const entity = await entities.create(
      tx,
      session.group_id,
      { ...draft, terms_agreements: agreementOf(request, ctx.program.termsUrl) },
      { idempotencyKey: null, actor: `entity_onboarding_session:${session.id}`, creatingSessionId: session.id },
    );
    await sessions.complete(tx, session, entity.id);
    return { redirectTo: redirectWith(session.redirect_url, session.id, entity.id) };
  }

  function finish(reply: FastifyReply, ctx: PageContext, redirectTo: string) {
    // The page is the body of the redirect, for a browser that does not follow it.
    return reply
      .code(303)
      .header('location', redirectTo)
      .type('text/html; charset=utf-8')
      .send(submittedPage(ctx, redirectTo).value);
  }

  async function entityContext(executor: Executor, session: SessionRow, entityId: string) {
    const entity = await entities.get(executor, session.group_id, entityId);
    const details = await entities.detailsOf(executor, session.group_id, entityId);
    const ownerIds = new Set(
      (entity.validation?.issues ?? []).flatMap((i) => [
        i.beneficial_owner_identity?.beneficial_owner_id,
        i.beneficial_owner_address?.beneficial_owner_id,
      ]),
    );
    const owners: OwnerDetails[] = [];
    for (const id of ownerIds) {
      if (!id) continue;
      try {
        owners.push({ id, individual: await entities.owners.individualFor(executor, session.group_id, id) });
      } catch {
        // An owner archived since: nothing to fix.
      }
    }
    return { entity, details, owners, sections: taskSections(entity, owners) };
  }

  async function entityView(executor: Executor, opened: Opened, entityId: string) {
    const { entity, details, owners, sections } = await entityContext(executor, opened.session, entityId);
    const { progress, ctx } = opened;
    let errors: FormError[] = [];
    if (progress.attempted.includes('tasks')) {
      const fieldErrors = new FieldErrors();
      checkTasks(sections, progress.answers, details, owners, fieldErrors);
      errors = wordErrors(ctx, fieldErrors, sections, ctx.t.step_tasks);
      if (ctx.program.termsUrl && !progress.agreed) errors.push({ field: 'terms', text: ctx.t.termsRequired });
    }
    return entityPage(ctx, { entity, sections, progress, errors, defaults: currentAnswers(details, owners) });
  }

  async function submitEntity(
    tx: Executor,
    request: FastifyRequest,
    opened: Opened,
    entityId: string,
    post: FormPost,
  ): Promise<Outcome> {
    const { progress, session, ctx } = opened;
    const { entity, details, owners, sections } = await entityContext(tx, session, entityId);
    progress.answers = { ...currentAnswers(details, owners), ...progress.answers };
    await keepAnswers(tx, opened, fieldsOf(sections), post);
    progress.agreed = post.fields.get('terms')?.[0] === 'agreed';
    const errors = new FieldErrors();
    const changes = checkTasks(sections, progress.answers, details, owners, errors);
    if (errors.list.length > 0 || (ctx.program.termsUrl && !progress.agreed)) {
      if (!progress.attempted.includes('tasks')) progress.attempted.push('tasks');
      progress.reached = 'tasks';
      await saveFormProgress(tx, secrets.encryption, session, progress);
      return { location: ctx.link({ step: 'tasks' }) };
    }
    const actor = `entity_onboarding_session:${session.id}`;
    await entities.update(
      tx,
      session.group_id,
      entityId,
      {
        ...(changes.entity && { [entity.structure]: changes.entity }),
        details_confirmed_at: new Date().toISOString(),
        terms_agreements: agreementOf(request, ctx.program.termsUrl),
      },
      actor,
    );
    for (const { id, ...change } of changes.owners)
      await entities.owners.update(tx, session.group_id, id, change, actor);
    await sessions.complete(tx, session, entityId);
    return { redirectTo: redirectWith(session.redirect_url, session.id, entityId) };
  }
};

/** The platform's redirect URL with the outcome added to its query; its own query and fragment kept. */
export function redirectWith(redirectUrl: string, sessionId: string, entityId: string): string {
  const url = new URL(redirectUrl);
  url.searchParams.set('entity_onboarding_session_id', sessionId);
  url.searchParams.set('entity_id', entityId);
  return url.toString();
}
