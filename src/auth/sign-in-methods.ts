import type { AuthDeps } from './auth.module';
import type { AccountsRepository } from './accounts.repository';
import type { EmailTokensRepository } from './email-tokens.repository';
import type { SigninLinksService } from './signin-links.service';

/** What the identity-provider and passkey parts share with the rest of auth. */
export interface AuthSharedDeps extends AuthDeps {
  readonly accounts: AccountsRepository;
  readonly emailTokens: EmailTokensRepository;
  readonly signinLinks: SigninLinksService;
}

/** An account's identity at a provider, as the account page and the export show it. */
export interface LinkedIdentity {
  readonly id: string;
  readonly provider: string;
  readonly label: string;
  readonly email: string | null;
  readonly linkedAt: string;
}

export interface PasskeySummary {
  readonly id: string;
  readonly name: string;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
}
