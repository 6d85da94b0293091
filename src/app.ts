import express, { type Express, type Router } from 'express';
import session from 'express-session';
import cookieParser from 'cookie-parser';
import pinoHttp from 'pino-http';
import { randomUUID } from 'node:crypto';
import type { AppDeps } from './composition';
import { publicDir, viewsDir } from './config/paths';
import { useEtaViews } from './http/views';
import { securityHeaders } from './http/security';
import { buildCsrf } from './http/csrf';
import { adminApiNotFound, errorHandler, notFound } from './http/errors';
import { loggablePath } from './http/log-paths';
import { healthRoutes } from './http/health.controller';
import { buildPassport } from './auth/passport';
import { authRoutes } from './auth/auth.controller';
import { signinLinkRoutes } from './auth/signin-links.controller';
import { emailVerificationRoutes } from './auth/email-verification.controller';
import { articleRoutes } from './articles/articles.controller';
import { policyRoutes } from './consent/policies.controller';
import { accountRoutes } from './account/account.controller';
import { accessApiRoutes } from './meter/access-api.controller';
import { buildReaderOf } from './meter/reader-of';
import { requireAdmin } from './admin/admin-auth';
import { adminApiRoutes } from './admin/admin-api.controller';
import { adminPageRoutes } from './admin/admin-page.controller';
import { stripeWebhookRoutes } from './billing/stripe-webhook.controller';
import { billingRoutes } from './billing/billing.controller';
import { adminPlansApiRoutes } from './admin/admin-plans.controller';
import { passwordRoutes } from './auth/password.controller';
import { reacceptRoutes } from './consent/reaccept.controller';
import { adminPoliciesApiRoutes } from './admin/admin-policies.controller';
import { adminConsentsRoutes } from './admin/admin-consents.controller';

const sessionCookieName = 'gatehouse.sid';
const requestIdPattern = /^[\w.:-]{1,128}$/;
const personalPaths = /^\/(account|admin|signin|signup|signout|password|policies\/accept|subscribe|billing)(\/|$)/;

export interface AppOptions {
  /** Routes mounted after all middleware, before the product's own (the benchmark's control route). */
  readonly extraRoutes?: Router;
}

/** Wires middleware and routes; never listens (main.ts and the tests do). */
export function createApp(deps: AppDeps, options: AppOptions = {}): Express {
  const { config } = deps;
  const https = config.publicUrl.protocol === 'https:';
  const app = express();
  app.disable('x-powered-by');
  // JSON answers escape <, > and & so that nothing a client sent can be read as markup.
  app.set('json escape', true);
  app.set('trust proxy', config.trustProxy);
  app.set('session cookie name', sessionCookieName);
  app.locals.siteName = config.siteName;
  useEtaViews(app, viewsDir, config.nodeEnv === 'production');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      // Cookies and credentials never reach the log.
      serializers: {
        // No query strings, and no reset token from the path.
        req: (req: { id: unknown; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: loggablePath(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    }),
  );
  const stripeHosts = ['https://checkout.stripe.com', 'https://billing.stripe.com'];
  if (config.stripe.apiUrl) stripeHosts.push(config.stripe.apiUrl.origin);
  app.use(deps.metrics.middleware());
  app.use(securityHeaders({ https, formTargets: stripeHosts }));
  app.use('/static', express.static(publicDir, { maxAge: config.nodeEnv === 'production' ? '1d' : 0 }));
  app.use(healthRoutes(deps));
  // Before the body parsers: the webhook's signature covers the raw body.
  app.use(stripeWebhookRoutes(deps.stripe, config.stripe.webhookSecret, deps.stripeWebhooks));

  // Policy versions may run to 200,000 characters (the schema's bound); every other body is small.
  app.use(['/admin/api/policies', '/admin/policies'], express.urlencoded({ extended: false, limit: '2mb', parameterLimit: 50 }), express.json({ limit: '2mb' }));
  app.use(express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 50 }));
  app.use(express.json({ limit: '64kb' }));
  // Signs the anonymous reader cookie with the session secret.
  app.use(cookieParser(config.sessionSecret));
  app.use(
    session({
      name: sessionCookieName,
      secret: config.sessionSecret,
      store: deps.sessionStore,
      resave: false,
      saveUninitialized: false,
      proxy: config.trustProxy !== false ? true : undefined,
      cookie: { httpOnly: true, sameSite: 'lax', secure: https, maxAge: config.sessionMaxAgeMs },
    }),
  );
  const passport = buildPassport(deps.accounts);
  app.use(passport.initialize());
  app.use(passport.session());
  const csrf = buildCsrf({ secure: https });
  // The admin API authenticates first (401 before anything else) and then checks CSRF for
  // session callers itself; every other state-changing request needs the token here.
  // POST /subscribe from a reader who is not signed in changes nothing (it redirects to
  // sign-up), so there is nothing for another site to forge there.
  app.use((req, res, next) => {
    if (req.path.startsWith('/admin/api/')) return next();
    if (req.path === '/subscribe' && req.user === undefined) return next();
    csrf.protect(req, res, next);
  });
  // What a signed-in reader is sent is theirs alone, and account, admin and form pages carry
  // an email, consent history or a CSRF token: no cache may keep any of them. Routes that
  // need another rule set their own.
  app.use((req, res, next) => {
    if (req.user !== undefined || personalPaths.test(req.path)) res.set('Cache-Control', 'private, no-store');
    next();
  });
  app.use((req, res, next) => {
    res.locals.account = req.user;
    res.locals.currentPath = req.originalUrl;
    // Made on demand by the layout's sign-out form: anonymous readers get no session.
    res.locals.csrfToken = req.user ? csrf.token(req) : undefined;
    next();
  });

  const reaccept = reacceptRoutes(deps.consent, csrf);
  app.use(reaccept.gate);
  app.use(reaccept.routes);
  if (options.extraRoutes) app.use(options.extraRoutes);
  app.use(articleRoutes({ source: deps.articles, gate: deps.gate, publicUrl: config.publicUrl, billing: deps.billing, plans: deps.plans, newReaders: deps.newReaders, clock: deps.clock }));
  app.use(billingRoutes({ billing: deps.billing, plans: deps.plans, accounts: deps.accountsRepository, csrf }));
  app.use(accessApiRoutes(deps.articles, deps.gate, deps.accountsRepository, buildReaderOf({ newReaders: deps.newReaders, clock: deps.clock, secureCookies: https })));
  app.use(authRoutes({ accounts: deps.accounts, passport, throttle: deps.throttle, csrf, gate: deps.gate, funnel: deps.funnel, passwordMinLength: config.passwordMinLength, clock: deps.clock, emailVerification: deps.emailVerification }));
  app.use(signinLinkRoutes({ links: deps.signinLinks, csrf, gate: deps.gate, funnel: deps.funnel, clock: deps.clock }));
  app.use(emailVerificationRoutes({ verification: deps.emailVerification, csrf }));
  app.use(passwordRoutes({ passwords: deps.passwords, csrf, passwordMinLength: config.passwordMinLength }));
  app.use(policyRoutes(deps.policies));
  app.use('/admin/api', requireAdmin(deps.accountsRepository, deps.apiKeys, 'api', csrf, deps.clock), adminApiRoutes(deps.meterSettings, deps.funnel), adminPlansApiRoutes(deps.plans), adminPoliciesApiRoutes(deps.consent), adminConsentsRoutes(deps.database.db), adminApiNotFound);
  app.use('/admin', requireAdmin(deps.accountsRepository, deps.apiKeys, 'page', csrf, deps.clock), adminPageRoutes(deps.meterSettings, deps.plans, deps.consent, deps.funnel, csrf));
  app.use(accountRoutes(deps.policies, deps.accountsRepository, deps.billingRepository, deps.plans, deps.billing, deps.passwords, deps.accountDeletion, deps.emailVerification));

  app.use(notFound);
  app.use(errorHandler(deps.logger));
  return app;
}
