import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Clock } from '../config/clock';
import type { Csrf } from '../http/csrf';
import type { Db } from '../store/database';
import { ConsentService } from './consent.service';
import { policyRoutes } from './policies.controller';
import { PoliciesRepository } from './policies.repository';
import { reacceptRoutes } from './reaccept.controller';

export type { ConsentService, AcceptedVersions } from './consent.service';
export type { PoliciesRepository, Policy, PolicyDocument, ConsentMethod, ConsentRecord, ExportedConsent, ConsentRange } from './policies.repository';
export type { ExportFilter } from './consents-export';
export { policyDocuments, documentTitles } from './policies.repository';
export { exportFilterSchema } from './consents-export';
export { reacceptWording } from './consent.service';

export interface ConsentDeps {
  readonly db: Db;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly csrf: Csrf;
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
  const service = new ConsentService({ repository: policies, logger: deps.logger, clock: deps.clock });
  const reaccept = reacceptRoutes(service, deps.csrf);
  const routes = Router();
  routes.use(reaccept.routes);
  routes.use(policyRoutes(service));
  return { service, policies, routes, reacceptGate: reaccept.gate };
}
