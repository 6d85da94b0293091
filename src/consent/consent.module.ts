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

export type { ConsentService, AcceptedVersions } from './consent.service';
export type { PoliciesRepository, Policy, PolicyDocument, ConsentMethod, ConsentRecord, ExportedConsent, ConsentRange } from './policies.repository';
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
  /** `/terms`, `/privacy` and `POST /policies/accept`. */
  readonly routes: Router;
  /** Before reading on, a signed-in reader accepts versions that took effect since they last did. */
  readonly reacceptGate: RequestHandler;
}

export function buildConsent(deps: ConsentDeps): ConsentModule {
  const policies = new PoliciesRepository(deps.db, deps.clock);
  const { messages } = deps;
  const service = new ConsentService({ repository: policies, logger: deps.logger, clock: deps.clock, messages });
  const reaccept = reacceptRoutes(service, deps.csrf, messages);
  const routes = Router();
  routes.use(reaccept.routes);
  routes.use(policyRoutes(service, messages));
  return { service, policies, routes, reacceptGate: reaccept.gate };
}
