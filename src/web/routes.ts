// The web pages as one express router, mounted by src/api/app.ts next to /graphql. Pages read
// through the API's own GraphQL path (gql.ts); sessions and CSRF are in session.ts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Sql } from '../db/sql.ts';
import { type Handler, sendPage, type WebCtx } from './ctx.ts';
import { gqlFor, PageError, type YogaFetch } from './gql.ts';
import { html } from './html.ts';
import type { Viewer } from './layout.ts';
import { changesAtom, changesPage } from './pages/changes.ts';
import { matrix } from './pages/matrix.ts';
import { moveDownload, movePage, moveSubmit } from './pages/move.ts';
import { planner, plannerDownload } from './pages/planner.ts';
import { device, guest, home, record, release, search } from './pages/read.ts';
import { review, reviewPage, signIn, signInPage, submitRecord, vendorHome } from './pages/vendor.ts';
import { CSRF_COOKIE, cookie, csrfToken, csrfValid, parseCookies, SESSION_COOKIE, SESSION_TTL_MS, sessionStore } from './session.ts';

export interface WebDeps {
  yoga: YogaFetch;
  sql: Sql;
  logger: { error(obj: unknown, msg?: string): void };
}

const STATIC: Record<string, { type: string; body: Buffer }> = {
  'web.css': { type: 'text/css; charset=utf-8', body: readFileSync(join(import.meta.dirname, 'static', 'web.css')) },
};

const VIEWER = `query WebViewer { viewer { keyId role vendor { id name } } }`;

export function webRouter(deps: WebDeps): express.Router {
  const store = sessionStore(deps.sql);
  const r = express.Router();
  const form = express.urlencoded({ extended: false, limit: '256kb', parameterLimit: 50 });

  r.get('/static/:file', (req, res, next) => {
    const f = STATIC[req.params.file];
    if (!f) return next();
    res.set({ 'content-type': f.type, 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' }).send(f.body);
  });

  /** Who is asking (session cookie → API key → viewer), the CSRF token, and the GraphQL runner. */
  const context: RequestHandler = async (req, res, next) => {
    try {
      const cookies = parseCookies(req.headers.cookie);
      const secure = req.secure;
      let session = await store.read(cookies[SESSION_COOKIE]);
      let viewer: Viewer | null = null;
      if (session) {
        const v = await gqlFor(deps.yoga, req, session.apiKey)
          .full<{ viewer: Viewer }>(VIEWER)
          .catch((err: unknown) => {
            if (err instanceof PageError && err.code === 'UNAUTHENTICATED') return null; // revoked or expired key
            throw err;
          });
        if (v?.data?.viewer.keyId) viewer = v.data.viewer;
        else {
          await store.destroy(session.token);
          session = null;
        }
      }
      if (cookies[SESSION_COOKIE] && !session) res.append('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure }));
      let csrfBase = session?.token ?? cookies[CSRF_COOKIE];
      if (!csrfBase) {
        csrfBase = crypto.randomUUID();
        res.append('set-cookie', cookie(CSRF_COOKIE, csrfBase, { secure }));
      }
      const w: WebCtx = { gql: gqlFor(deps.yoga, req, session?.apiKey ?? null), viewer, session, csrf: csrfToken(csrfBase) };
      res.locals.web = w;
      res.set({
        'content-security-policy':
          "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'",
        'x-content-type-options': 'nosniff',
        'referrer-policy': 'same-origin',
      });
      next();
    } catch (err) {
      next(err);
    }
  };

  /** POSTs must carry the token derived from this browser's cookie (synchronizer token; cookies are SameSite=Strict). */
  const csrf: RequestHandler = (req, res, next) => {
    const cookies = parseCookies(req.headers.cookie);
    const w = res.locals.web as WebCtx;
    const base = w.session?.token ?? cookies[CSRF_COOKIE];
    if (!csrfValid(base, req.body?._csrf))
      return next(new PageError(403, 'the form is out of date or came from another site: reload the page and send it again', 'CSRF'));
    next();
  };

  const page =
    (h: Handler): RequestHandler =>
    (req, res, next) => {
      h(req, res, res.locals.web as WebCtx).catch(next);
    };

  r.get('/', context, page(home));
  r.get('/search', context, page(search));
  r.get('/matrix', context, page(matrix));
  r.get('/guest', context, page(guest));
  r.get('/release', context, page(release));
  r.get('/record', context, page(record));
  r.get('/device', context, page(device));
  r.get('/planner', context, page(planner));
  r.get('/planner/download', context, page(plannerDownload));
  r.get('/move', context, page(movePage));
  r.post('/move', form, context, csrf, page(moveSubmit));
  r.post('/move/download', form, context, csrf, page(moveDownload));
  r.get('/changes', context, page(changesPage));
  r.get('/changes.atom', context, page(changesAtom));
  r.get('/vendor', context, page(vendorHome));
  r.get('/vendor/sign-in', context, page(signInPage));
  r.get('/vendor/review', context, page(reviewPage));
  r.post('/vendor/records', form, context, csrf, page(submitRecord));
  r.post('/vendor/review', form, context, csrf, page(review));
  r.post(
    '/vendor/sign-in',
    form,
    context,
    csrf,
    page((req, res, w) =>
      signIn(
        req,
        res,
        w,
        async (key) => {
          const v = await gqlFor(deps.yoga, req, key)
            .full<{ viewer: Viewer }>(VIEWER)
            .catch((err: unknown) => {
              if (err instanceof PageError && (err.code === 'UNAUTHENTICATED' || err.status === 401)) return err.message;
              throw err;
            });
          if (typeof v === 'string') return v;
          return v.data?.viewer.keyId ? { keyId: v.data.viewer.keyId } : 'that key is not valid';
        },
        async (key, keyId) => {
          const token = await store.create(key, keyId);
          res.append('set-cookie', cookie(SESSION_COOKIE, token, { maxAgeSeconds: SESSION_TTL_MS / 1000, secure: req.secure }));
        },
      ),
    ),
  );
  r.post(
    '/vendor/sign-out',
    form,
    context,
    csrf,
    page(async (req, res, w) => {
      await store.destroy(w.session?.token);
      res.append('set-cookie', cookie(SESSION_COOKIE, '', { maxAgeSeconds: 0, secure: req.secure }));
      res.redirect(303, '/');
    }),
  );

  // Errors of page routes as pages (GraphQL errors keep their code and status).
  r.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!res.locals.web) return next(err);
    const w = res.locals.web as WebCtx;
    const e =
      err instanceof PageError
        ? err
        : (err as { name?: string }).name === 'DatabaseUnavailableError'
          ? new PageError(503, 'the database is unavailable; try again shortly', 'DATABASE_UNAVAILABLE', { 'Retry-After': '5' })
          : null;
    if (!e) deps.logger.error({ err, path: req.path }, 'unexpected error in a web page');
    const status = e?.status ?? 500;
    res.set(e?.headers ?? {});
    sendPage(
      res,
      w,
      status === 404 ? 'Not found' : 'Something went wrong',
      '',
      html`<p class="error" role="alert">${e ? e.message : 'Unexpected error.'}</p><p class="muted">${e?.code ?? 'INTERNAL_SERVER_ERROR'}</p>`,
      status,
    );
  });
  return r;
}
