import type { Policy, PolicyDocument } from '../consent/consent.module';
import { AppError } from '../http/app-error';
import type { Messages } from '../http/i18n';

/** What sign-up needs from consent: the documents in force now (consent's service). */
export interface PolicyCatalog {
  currentPolicies(): Promise<Partial<Record<PolicyDocument, Policy>>>;
}

/** Moves an anonymous reader's meter into the account they just signed in to (meter's gate). */
export interface MeterCarryOver {
  carryOver(anonymousId: string | undefined, accountId: string): Promise<void>;
}

/** Both documents in force, which sign-up pages show and consent records name; 503 until both exist. */
export async function signupPolicies(catalog: PolicyCatalog, messages: Messages): Promise<Record<PolicyDocument, Policy>> {
  const { terms, privacy } = await catalog.currentPolicies();
  if (terms === undefined || privacy === undefined) throw new AppError(503, messages.t('consent.signupClosed'));
  return { terms, privacy };
}
