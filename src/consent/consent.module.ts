import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { Csrf } from '../http/csrf';
import type { Db } from '../store/database';
import type { Messages } from '../http/i18n';
import { ConsentService } from './consent.service';
import { policyRoutes } from './policies.controller';
import { PoliciesRepository } from './policies.repository';
import { reacceptRoutes } from './reaccept.controller';
import { NewsletterRepository } from './newsletter.repository';
import { NewsletterService } from './newsletter.service';
import { newsletterRoutes } from './newsletter.controller';
import { newsletterSection, type NewsletterSection } from './newsletter-section';

export type { ConsentService, AcceptedVersions } from './consent.service';
export type { PoliciesRepository, Policy, PolicyDocument, ConsentDocument, ConsentMethod, ConsentRecord, ExportedConsent, ConsentRange } from './policies.repository';
export type { NewsletterService, NewsletterStatus } from './newsletter.service';
export type { NewsletterRecord, NewsletterSubscriber } from './newsletter.repository';
export type { NewsletterSection } from './newsletter-section';
export type { NewsletterConsent, NewsletterMethod } from './newsletter';
export { newsletterConsent, newsletterWording, boxTicked } from './newsletter';
export type { ExportFilter } from './consents-export';
export { policyDocuments } from './policies.repository';
export { exportFilterSchema } from './consents-export';
export { reacceptWording, documentTitle } from './consent.service';

export interface ConsentDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly csrf: Csrf;
  readonly messages: Messages;
}

export interface ConsentModule {
  readonly service: ConsentService;
  readonly policies: PoliciesRepository;
  /** `/terms`, `/privacy`, `POST /policies/accept` and `POST /account/newsletter`. */
  readonly routes: Router;
  /** Before reading on, a signed-in reader accepts versions that took effect since they last did. */
  readonly reacceptGate: RequestHandler;
  /** The newsletter's consent (SPEC section 13): its service and its part of /account. */
  readonly newsletter: { readonly service: NewsletterService; readonly section: NewsletterSection };
}

export function buildConsent(deps: ConsentDeps): ConsentModule {
  const policies = new PoliciesRepository(deps.db, deps.clock);
  const { messages } = deps;
  const newsletter = new NewsletterService({ repository: new NewsletterRepository(deps.db, deps.clock), messages, logger: deps.logger });
  const service = new ConsentService({ repository: policies, logger: deps.logger, clock: deps.clock, messages, newsletter });
  const reaccept = reacceptRoutes(service, deps.csrf, messages);
  const routes = Router();
  routes.use(reaccept.routes);
  routes.use(policyRoutes(service, messages));
  routes.use(newsletterRoutes(newsletter, messages));
  return { service, policies, routes, reacceptGate: reaccept.gate, newsletter: { service: newsletter, section: newsletterSection(newsletter) } };
}
