import type { Writable } from 'node:stream';
import type { Request } from 'express';
import type { MeterSettings } from '../meter/meter.module';
import type { Plan } from '../billing/billing.module';
import type { ExportFilter, Policy } from '../consent/consent.module';
import type { FunnelRange, FunnelReport } from '../funnel/funnel.module';

export type { FieldErrors } from '../meter/meter.module';

/** What admin needs from other modules, declared here so that the arrows point one way. */

/** Whether a signed-in account is a publisher admin (auth's accounts repository). */
export interface AdminLookup {
  findById(id: string): Promise<{ isAdmin: boolean } | undefined>;
}

/** When the session's signed-in account last signed in with a passkey (auth's passkeys module); undefined if it has not. */
export interface PasskeyProofs {
  provenAt(req: Request): number | undefined;
}

/** The meter settings this instance uses, and their replacement (meter's settings service). */
export interface MeterSettingsAdmin {
  current(): Promise<{ value: MeterSettings }>;
  reload(): Promise<{ value: MeterSettings }>;
  replace(value: MeterSettings): Promise<{ value: MeterSettings }>;
}

/** The publisher's plans (billing's plans service). */
export interface PlansAdmin {
  list(): Promise<Plan[]>;
  replace(plans: Plan[]): Promise<Plan[]>;
}

/** Policy versions and the consent records (consent's service). */
export interface ConsentAdmin {
  /** Every version of both documents, read afresh (no cache). */
  versions(): Promise<Policy[]>;
  /** False when that version of the document exists already. */
  publish(policy: Policy): Promise<boolean>;
  exportCsv(filter: ExportFilter, out: Writable): Promise<unknown>;
}

/** The conversion funnel's figures (funnel's recorder). */
export interface FunnelReports {
  report(range: FunnelRange): Promise<FunnelReport>;
}

/** Drops cached origin pages on every instance (articles' origin module); undefined without ORIGIN_URL. */
export interface OriginPurge {
  purge(request: { readonly paths: readonly string[] } | { readonly all: true }): Promise<void>;
}
