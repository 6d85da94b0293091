import express, { type Express, type RequestHandler, type Router } from 'express';
import session from 'express-session';
import { sql } from 'kysely';
import type { Gatehouse } from './composition';
import { publicDir, viewsDir } from './config/paths';
import { useEtaViews } from './http/views';
import { securityHeaders } from './http/security';
import { errorHandler, notFoundPage } from './http/errors';
import { AppError } from './http/app-error';
import { useMessages } from './http/i18n';
import { healthRoutes } from './http/health.controller';
import { pingRedis } from './store/redis';
import { requestLog } from './http/request-log';
import { cookieNameFor, lazyCookies } from './http/cookies';
import { whenSession } from './http/when-session';
import { leaveReadOnlySession, readOnlySession } from './http/read-only-session';
import { accountIdOf } from './store/session-store.sql';

const plainSessionCookieName = 'gatehouse.sid';
const personalPaths = /^\/(account|admin|signin|signup|signout|password|policies\/accept|subscribe|billing|groups|gifts)(\/|$)/i;
/** The article lane's methods: OPTIONS too, which its router answers with the route's `Allow`. */
const laneMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
/** In front of an origin, these are Gatehouse's; every other path is the CMS's (SPEC section 11). */
const ownPaths = /^\/(account|admin|gifts|groups|signin|signup|signout|password|policies|subscribe|billing|api|webhooks|healthz|readyz|metrics|terms|privacy|gatehouse)(\/|$)/i;

export interface AppOptions {
  /** Routes mounted after all middleware, before the product's own (the benchmark's control route). */
  readonly extraRoutes?: Router;
}

/** Wires middleware and each module's routes; never listens (main.ts and the tests do). */
export function createApp(gatehouse: Gatehouse, options: AppOptions = {}): Express {
  const { config, csrf } = gatehouse;
  const https = config.publicUrl.protocol === 'https:';
  const sessionCookieName = cookieNameFor(plainSessionCookieName, https);
  const app = express();
  app.disable('x-powered-by');
  // JSON answers escape <, > and & so that nothing a client sent can be read as markup.
  app.set('json escape', true);
  app.set('trust proxy', config.trustProxy);
  app.set('session cookie name', sessionCookieName);
  app.set('secure cookies', https);
  app.locals.siteName = config.siteName;
  // The "Continue with <label>" buttons of the sign-in, sign-up and gate pages (views/oidc-buttons.eta).
  app.locals.oidcProviders = gatehouse.auth.oidc.providers;
  const themeAssets = useEtaViews(app, { viewsDir, themeDir: config.themeDir, cache: config.nodeEnv === 'production' });

  useMessages(app, gatehouse.messages);

  app.use(requestLog(gatehouse.logger));
  const stripeHosts = ['https://checkout.stripe.com', 'https://billing.stripe.com'];
  if (config.stripe.apiUrl) stripeHosts.push(config.stripe.apiUrl.origin);
  app.use(gatehouse.metrics.middleware());
  const readerCookies = lazyCookies(config.sessionSecret, { secure: https });
  const fullSession = [
    session({
      name: sessionCookieName,
      secret: config.sessionSecret,
      store: gatehouse.sessionStore,
      resave: false,
      saveUninitialized: false,
      proxy: config.trustProxy !== false ? true : undefined,
      cookie: { httpOnly: true, sameSite: 'lax', secure: https, maxAge: config.sessionMaxAgeMs },
    }),
    gatehouse.auth.passport.initialize,
    gatehouse.auth.passport.session,
  ];
  const sessions = whenSession(sessionCookieName, fullSession, (req) => gatehouse.auth.oidc.needsSession(req));
  // Page views (articles, the publisher's pages) only read the session: a signed-in reader's
  // view writes it only to keep a CSRF token or the versions they accepted, once.
  const viewSession = readOnlySession({
    cookieName: sessionCookieName,
    secret: config.sessionSecret,
    store: gatehouse.sessionStore,
    fullSession,
    servable: (data) => accountIdOf(data) === undefined || (typeof data.csrfToken === 'string' && data.consents != null),
  });
  const presentation = gatehouse.admin.presentation.locals;
  const headers = securityHeaders({ https, formTargets: stripeHosts, imageSources: config.imageSources });
  // What a signed-in reader is sent is theirs alone, and account, admin and form pages carry
  // an email, consent history or a CSRF token: no cache may keep any of them. Routes that
  // need another rule set their own.
  const pageLocals: RequestHandler = (req, res, next) => {
    if (req.user !== undefined || personalPaths.test(req.path)) res.set('Cache-Control', 'private, no-store');
    res.locals.account = req.user;
    res.locals.currentPath = req.originalUrl;
    // Made on demand by the layout's sign-out form: anonymous readers get no session.
    res.locals.csrfToken = req.user ? csrf.token(req) : undefined;
    next();
  };
  // A request for no path at all (`OPTIONS *`, the server-wide form) names nothing here; the
  // session middleware would not even look at it. Its 400 page has a page's headers.
  app.use((req, res, next) => (req.url.startsWith('/') || /^https?:\/\//i.test(req.url) ? next() : headers(req, res, () => next(new AppError(400, 'This address is not a page of this site.')))));
  const origin = gatehouse.articles.origin;
  if (origin !== undefined) {
    // The publisher's pages keep their own headers (a CSP of Gatehouse's would break their
    // scripts) and their bodies stream to the CMS unparsed: the proxy comes before both.
    const toOrigin = express.Router();
    toOrigin.use(readerCookies, viewSession, gatehouse.consent.reacceptGate, origin.proxy);
    // Told on the path as the CMS would be asked for it too: an encoded or dotted spelling of
    // one of Gatehouse's paths is Gatehouse's (its 404), never the CMS's page there.
    const own = (req: express.Request) => ownPaths.test(req.path) || ownPaths.test(origin.tidiedPath(req.url) ?? '');
    app.use((req, res, next) => (own(req) ? next() : toOrigin(req, res, next)));
  }
  // The article view, the product's hot path, has a lane of its own: only what a view needs,
  // rather than every layer below (static files, health, webhooks, body parsers, CSRF
  // checks, form routes), each of which Express would try in turn. Its steps are the same
  // functions the chain below uses, and run before the slug is decoded, so that a badly
  // encoded one is a 400 page with every header and local a page has.
  const view = gatehouse.articles.view;
  if (view !== undefined) {
    const lane = express.Router();
    lane.use(headers, presentation, readerCookies, viewSession, pageLocals, gatehouse.consent.reacceptGate);
    lane.get('/articles/:slug', view);
    // Not an article's address after all (`/articles/a/b`): the full chain serves it from the start.
    lane.use(leaveReadOnlySession);
    app.use((req, res, next) => (laneMethods.has(req.method) && /^\/articles\//i.test(req.path) ? lane(req, res, next) : next()));
  }
  app.use(headers);
  const staticFiles = express.static(publicDir, { maxAge: config.nodeEnv === 'production' ? '1d' : 0 });
  app.use('/gatehouse', staticFiles);
  // THEME_DIR's theme.css and the presentation's accent stylesheet (no session read).
  app.use(themeAssets, gatehouse.admin.presentation.assets);
  // The WebAuthn browser bundle, served from its package like a static file (no session read).
  app.use(gatehouse.auth.passkeys.assets);
  if (origin === undefined) app.use('/static', staticFiles);
  const { database, redis } = gatehouse;
  app.use(
    healthRoutes({
      metrics: gatehouse.metrics,
      checks: { database: () => sql`select 1`.execute(database.db), ...(redis ? { redis: () => pingRedis(redis) } : {}) },
    }),
  );
  // Before the body parsers: the webhook's signature covers the raw body.
  app.use(gatehouse.billing.webhookRoutes);

  // Policy versions may run to 200,000 characters (the schema's bound); every other body is small.
  app.use(['/admin/api/policies', '/admin/policies', '/admin/api/institutions', '/admin/institutions'], express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 50 }), express.json({ limit: '2mb' }));
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '64kb' }));
  // The publisher's logo, accent, section names and time zone, for every page rendered below
  // (error pages included).
  app.use(presentation);
  // The anonymous reader and CSRF cookies are signed with the session secret.
  app.use(readerCookies);
  app.use(sessions);
  // The admin API authenticates first (401 before anything else) and then checks CSRF for
  // session callers itself; every other state-changing request needs the token here.
  // POST /subscribe from a reader who is not signed in changes nothing (it redirects to
  // sign-up), so there is nothing for another site to forge there.
  app.use((req, res, next) => {
    if (req.path.startsWith('/admin/api/')) return next();
    if (req.path === '/subscribe' && req.user === undefined) return next();
    // A provider's form_post answer is a cross-site POST: it only redirects to the GET
    // callback, where the state and this browser's cookie are checked.
    if (gatehouse.auth.oidc.isFormPostCallback(req)) return next();
    csrf.protect(req, res, next);
  });
  app.use(pageLocals);

  app.use(gatehouse.consent.reacceptGate);
  app.use(gatehouse.consent.routes);
  if (options.extraRoutes) app.use(options.extraRoutes);
  app.use(gatehouse.articles.routes);
  app.use(gatehouse.gifts.routes);
  app.use(gatehouse.billing.routes);
  app.use(gatehouse.auth.routes);
  app.use(gatehouse.admin.routes);
  app.use(gatehouse.account.routes);

  app.use(notFoundPage(gatehouse.messages));
  app.use(errorHandler(gatehouse.logger, gatehouse.messages));
  return app;
}
