import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import type { Csrf } from '../http/csrf';
import { adminApiNotFound } from '../http/errors';
import { requireAdmin } from './admin-auth';
import { adminApiRoutes } from './admin-api.controller';
import { adminConsentsRoutes } from './admin-consents.controller';
import { adminNewsletterRoutes, type NewsletterExport } from './admin-newsletter.controller';
import { adminPageRoutes } from './admin-page.controller';
import { adminPlansApiRoutes } from './admin-plans.controller';
import { adminPoliciesApiRoutes } from './admin-policies.controller';
import { ApiKeysRepository } from './api-keys.repository';
import type { AdminLookup, ConsentAdmin, FunnelReports, MeterSettingsAdmin, OriginPurge, PasskeyProofs, PlansAdmin } from './ports';
import { adminOriginRoutes } from './admin-origin.controller';
import { adminInstitutionsApiRoutes, adminInstitutionsPageRoutes } from './admin-institutions.controller';
import type { InstitutionsAdmin } from '../institutions/institutions.module';
import { PresentationRepository } from './presentation.repository';
import { PresentationService } from './presentation.service';
import { presentationApiRoutes, presentationAssets, presentationLocals } from './presentation.controller';

export type { AdminLookup, ConsentAdmin, FunnelReports, MeterSettingsAdmin, OriginPurge, PasskeyProofs, PlansAdmin } from './ports';
export type { ApiKeySummary } from './api-keys.repository';
export type { PresentationSettings } from './presentation-settings';
export type { PresentationService, PresentationView } from './presentation.service';
export { defaultPresentationSettings } from './presentation-settings';
/** The CLI makes and revokes keys without building the app. */
export { ApiKeysRepository } from './api-keys.repository';

export interface AdminDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly csrf: Csrf;
  readonly accounts: AdminLookup;
  readonly meterSettings: MeterSettingsAdmin;
  readonly plans: PlansAdmin;
  /** The consents, and the newsletter's opt-ins exported beside them. */
  readonly consent: ConsentAdmin & NewsletterExport;
  readonly funnel: FunnelReports;
  /** The origin's cache, in front of a CMS; undefined over the Markdown folder. */
  readonly origin: OriginPurge | undefined;
  /** ADMIN_REQUIRE_PASSKEY: sessions need a passkey sign-in (API keys do not). */
  readonly requirePasskey: boolean;
  readonly passkeys: PasskeyProofs;
  readonly logger: Logger;
  /** IMG_SRC: the origins a logo may come from, beside this site. */
  readonly imageSources: readonly string[];
  /** Institutional access (SPEC section 13): the list and its readers per month. */
  readonly institutions: InstitutionsAdmin;
}

export interface AdminModule {
  readonly apiKeys: ApiKeysRepository;
  /** /admin/api/* (JSON, API keys or an admin's session) and the /admin pages. */
  readonly routes: Router;
  /** The publication's look (logo, accent, sections, time zone), set in the admin. */
  readonly presentation: {
    readonly service: PresentationService;
    /** `/gatehouse/presentation.css`: before the session (a stylesheet needs none). */
    readonly assets: Router;
    /** Puts the look in force in every page's locals: before the routes that render. */
    readonly locals: RequestHandler;
  };
}

/** The publisher's console: meter settings, plans, policies, consents, the funnel and institutions. */
export function buildAdmin(deps: AdminDeps): AdminModule {
  const { db, clock, csrf, accounts, meterSettings, plans, consent, funnel } = deps;
  const apiKeys = new ApiKeysRepository(db, clock);
  const guard = (mode: 'api' | 'page') => requireAdmin({ accounts, keys: apiKeys, mode, csrf, clock, requirePasskey: deps.requirePasskey, passkeys: deps.passkeys });
  const presentation = new PresentationService({ repository: new PresentationRepository(db, clock), clock, logger: deps.logger });
  const routes = Router();
  routes.use(
    '/admin/api',
    guard('api'),
    adminApiRoutes(meterSettings, funnel, clock),
    adminPlansApiRoutes(plans),
    adminPoliciesApiRoutes(consent, clock),
    adminConsentsRoutes(consent),
    adminNewsletterRoutes(consent),
    adminOriginRoutes(deps.origin),
    presentationApiRoutes(presentation, deps.imageSources),
    adminInstitutionsApiRoutes(deps.institutions),
    // Past every admin API route: JSON, not the pages' sign-in redirect below.
    adminApiNotFound,
  );
  routes.use('/admin', guard('page'), adminInstitutionsPageRoutes({ admin: deps.institutions, csrf }), adminPageRoutes({ meterSettings, plans, consent, funnel, csrf, clock, presentation, imageSources: deps.imageSources }));
  return { apiKeys, routes, presentation: { service: presentation, assets: presentationAssets(presentation), locals: presentationLocals(presentation) } };
}
