import { Router } from 'express';
import type { Clock } from '../config/clock';
import type { Db } from '../store/database';
import type { Csrf } from '../http/csrf';
import { adminApiNotFound } from '../http/errors';
import { requireAdmin } from './admin-auth';
import { adminApiRoutes } from './admin-api.controller';
import { adminConsentsRoutes } from './admin-consents.controller';
import { adminPageRoutes } from './admin-page.controller';
import { adminPlansApiRoutes } from './admin-plans.controller';
import { adminPoliciesApiRoutes } from './admin-policies.controller';
import { ApiKeysRepository } from './api-keys.repository';
import type { AdminLookup, ConsentAdmin, FunnelReports, MeterSettingsAdmin, OriginPurge, PasskeyProofs, PlansAdmin } from './ports';
import { adminOriginRoutes } from './admin-origin.controller';

export type { AdminLookup, ConsentAdmin, FunnelReports, MeterSettingsAdmin, OriginPurge, PasskeyProofs, PlansAdmin } from './ports';
export type { ApiKeySummary } from './api-keys.repository';
/** The CLI makes and revokes keys without building the app. */
export { ApiKeysRepository } from './api-keys.repository';

export interface AdminDeps {
  readonly db: Db;
  readonly clock: Clock;
  readonly csrf: Csrf;
  readonly accounts: AdminLookup;
  readonly meterSettings: MeterSettingsAdmin;
  readonly plans: PlansAdmin;
  readonly consent: ConsentAdmin;
  readonly funnel: FunnelReports;
  /** The origin's cache, in front of a CMS; undefined over the Markdown folder. */
  readonly origin: OriginPurge | undefined;
  /** ADMIN_REQUIRE_PASSKEY: sessions need a passkey sign-in (API keys do not). */
  readonly requirePasskey: boolean;
  readonly passkeys: PasskeyProofs;
}

export interface AdminModule {
  readonly apiKeys: ApiKeysRepository;
  /** /admin/api/* (JSON, API keys or an admin's session) and the /admin pages. */
  readonly routes: Router;
}

/** The publisher's console: meter settings, plans, policies, consents and the funnel. */
export function buildAdmin(deps: AdminDeps): AdminModule {
  const { db, clock, csrf, accounts, meterSettings, plans, consent, funnel } = deps;
  const apiKeys = new ApiKeysRepository(db, clock);
  const guard = (mode: 'api' | 'page') => requireAdmin({ accounts, keys: apiKeys, mode, csrf, clock, requirePasskey: deps.requirePasskey, passkeys: deps.passkeys });
  const routes = Router();
  routes.use(
    '/admin/api',
    guard('api'),
    adminApiRoutes(meterSettings, funnel, clock),
    adminPlansApiRoutes(plans),
    adminPoliciesApiRoutes(consent, clock),
    adminConsentsRoutes(consent),
    adminOriginRoutes(deps.origin),
    // Past every admin API route: JSON, not the pages' sign-in redirect below.
    adminApiNotFound,
  );
  routes.use('/admin', guard('page'), adminPageRoutes({ meterSettings, plans, consent, funnel, csrf, clock }));
  return { apiKeys, routes };
}
