import { Router, type RequestHandler } from 'express';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { Csrf } from '../http/csrf';
import type { Mailer } from '../mail/mailer';
import type { Db } from '../store/database';
import type { AccountSessions } from '../store/session-store.redis';
import type { FunnelSink } from '../funnel/funnel.module';
import { AccountsRepository } from './accounts.repository';
import { AccountsService } from './accounts.service';
import { authRoutes } from './auth.controller';
import { EmailTokensRepository } from './email-tokens.repository';
import { emailVerificationRoutes } from './email-verification.controller';
import { EmailVerificationService } from './email-verification.service';
import { buildPassport } from './passport';
import { passwordRoutes } from './password.controller';
import { PasswordResetsRepository } from './password-resets.repository';
import { PasswordsService } from './passwords.service';
import type { MeterCarryOver, PolicyCatalog } from './ports';
import { signinLinkRoutes } from './signin-links.controller';
import { continueRoutes } from './continue.controller';
import { SigninLinksService } from './signin-links.service';
import { SigninThrottle, type ThrottleLimits } from './signin-throttle';
import { buildOidc, type OidcModule } from './oidc/oidc.module';
import { buildPasskeys, type PasskeysModule } from './passkeys/passkeys.module';
import type { OidcProviderConfig } from '../config/config';
import type { Messages } from '../http/i18n';

export type { Account, AccountWithPassword, AccountsRepository } from './accounts.repository';
export type { AccountsService } from './accounts.service';
export type { PasswordsService, OwnerProof } from './passwords.service';
export type { EmailVerificationService } from './email-verification.service';
export type { SigninLinksService } from './signin-links.service';
export type { SigninThrottle, ThrottleLimits } from './signin-throttle';
export type { MeterCarryOver, PolicyCatalog } from './ports';
export type { LinkedIdentity, PasskeySummary } from './sign-in-methods';
export type { OidcModule } from './oidc/oidc.module';
export type { PasskeysModule } from './passkeys/passkeys.module';
export { EmailTakenError } from './accounts.repository';
export { consentWording, SignupRejected } from './accounts.service';
export { PasswordRejected, recentSignInMs } from './passwords.service';
export { EmailChangeRejected, EmailChangeThrottled } from './email-verification.service';
export { emailSchema, emailSchemaFor } from './email';
export { logOutAndDestroy } from './passport';

export interface AuthDeps {
  readonly db: Db;
  readonly redis: Redis | undefined;
  readonly keyPrefix: string;
  /** The session secret: limiter keys are keyed hashes under it, never an email. */
  readonly secret: string;
  readonly publicUrl: URL;
  readonly siteName: string;
  readonly passwordMinLength: number;
  readonly throttleLimits?: Partial<ThrottleLimits>;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly mailer: Mailer;
  readonly csrf: Csrf;
  /** Ends the sessions of an account (password reset and changes, change of email). */
  readonly sessions: AccountSessions;
  readonly policies: PolicyCatalog;
  readonly meter: MeterCarryOver;
  readonly funnel: FunnelSink;
  /** "Continue with <label>" providers (OIDC_PROVIDERS). */
  readonly oidcProviders: readonly OidcProviderConfig[];
  /** The pages', errors' and mails' words (LOCALE). */
  readonly messages: Messages;
}

export interface AuthModule {
  readonly accounts: AccountsService;
  readonly accountsRepository: AccountsRepository;
  readonly passwords: PasswordsService;
  readonly emailVerification: EmailVerificationService;
  readonly signinLinks: SigninLinksService;
  readonly throttle: SigninThrottle;
  /** Mounted after the session middleware, in this order. */
  readonly passport: { readonly initialize: RequestHandler; readonly session: RequestHandler };
  readonly oidc: OidcModule;
  readonly passkeys: PasskeysModule;
  /** Sign-up, sign-in, sign-out, forgotten passwords, emailed links, email verification, providers, passkeys. */
  readonly routes: Router;
}

export function buildAuth(deps: AuthDeps): AuthModule {
  const { db, redis, keyPrefix, secret, publicUrl, siteName, passwordMinLength, logger, clock, mailer, csrf, sessions, messages } = deps;
  const accountsRepository = new AccountsRepository(db, clock);
  const emailTokens = new EmailTokensRepository(db, clock, secret);
  const accounts = new AccountsService({ accounts: accountsRepository, policies: deps.policies, passwordMinLength, clock, messages });
  const throttle = new SigninThrottle({ redis, keyPrefix, keySecret: secret, limits: deps.throttleLimits });
  const site = { publicUrl, siteName, mailer, logger, messages };
  const limits = { redis, keyPrefix, keySecret: secret };
  const signinLinks = new SigninLinksService({ ...site, ...limits, clock, sessions, accounts: accountsRepository, tokens: emailTokens, policies: deps.policies });
  const emailVerification = new EmailVerificationService({ ...site, ...limits, accounts: accountsRepository, tokens: emailTokens, sessions });
  const passwords = new PasswordsService({
    ...site,
    accounts: accountsRepository,
    resets: new PasswordResetsRepository(db, clock),
    sessions,
    throttle,
    passwordMinLength,
    redis,
    keyPrefix,
    keySecret: secret,
  });
  const passport = buildPassport(accounts);
  const sharedDeps = { ...deps, accounts: accountsRepository, emailTokens, signinLinks };
  const oidc = buildOidc(sharedDeps);
  const passkeys = buildPasskeys(sharedDeps);

  const routes = Router();
  routes.use(authRoutes({ accounts, passport, throttle, csrf, meter: deps.meter, funnel: deps.funnel, passwordMinLength, clock, emailVerification, messages }));
  routes.use(continueRoutes({ accounts: accountsRepository, links: signinLinks, csrf, redis, keyPrefix, keySecret: secret, messages }));
  routes.use(signinLinkRoutes({ links: signinLinks, csrf, meter: deps.meter, funnel: deps.funnel, clock, messages }));
  routes.use(emailVerificationRoutes({ verification: emailVerification, csrf, messages }));
  routes.use(passwordRoutes({ passwords, csrf, passwordMinLength, messages }));
  routes.use(oidc.routes);
  routes.use(passkeys.routes);

  return {
    accounts,
    accountsRepository,
    passwords,
    emailVerification,
    signinLinks,
    throttle,
    oidc,
    passkeys,
    passport: { initialize: passport.initialize(), session: passport.session() },
    routes,
  };
}
