import { randomUUID } from 'node:crypto';
import { EmailTakenError, type Account, type AccountsRepository } from './accounts.repository';
import { hashPassword, passwordProblems, verifyAgainstNothing, verifyPassword } from './passwords';
import type { Clock } from '../config/clock';
import { newsletterConsent, policyDocuments, type Policy } from '../consent/consent.module';
import { signupPolicies, type PolicyCatalog } from './ports';
import type { Messages } from '../http/i18n';

/**
 * The sentence shown beside every sign-up and sign-in button (views/consent-line.eta), in
 * the site's language, recorded word for word: the same catalog entry, without its links.
 */
export function consentWording(messages: Messages): string {
  return messages.t('consent.line');
}

export class SignupRejected extends Error {
  constructor(readonly problems: { email?: string; password?: string; policies?: string; emailTaken?: boolean }) {
    super('sign-up rejected');
    this.name = 'SignupRejected';
  }
}

export interface SignupInput {
  readonly email: string;
  readonly password: string;
  /** Versions the form showed; when given and no longer current, the reader must look again. */
  readonly shownVersions?: Partial<Record<'terms' | 'privacy', string>>;
  /** The "Send me the newsletter" box was ticked on the form. */
  readonly newsletter?: boolean;
}

export interface AccountsDeps {
  readonly accounts: Pick<AccountsRepository, 'findByEmail' | 'createWithConsents'>;
  readonly policies: PolicyCatalog;
  readonly passwordMinLength: number;
  readonly clock: Clock;
  readonly messages: Messages;
}

export class AccountsService {
  constructor(private readonly deps: AccountsDeps) {}

  currentPolicies(): Promise<Record<'terms' | 'privacy', Policy>> {
    return signupPolicies(this.deps.policies, this.deps.messages);
  }

  /** Creates the account, one consent record per document and, when ticked, the newsletter's, in one transaction. */
  async signUp(input: SignupInput): Promise<Account> {
    const { messages } = this.deps;
    const problems = passwordProblems(input.password, { minLength: this.deps.passwordMinLength, email: input.email }, messages);
    if (problems.length > 0) throw new SignupRejected({ password: problems.join(' ') });

    const current = await this.currentPolicies();
    for (const document of policyDocuments) {
      const shown = input.shownVersions?.[document];
      if (shown !== undefined && shown !== current[document].version) {
        throw new SignupRejected({ policies: messages.t('common.policiesChanged') });
      }
    }

    // Hashing costs CPU and memory: a taken email is answered before it. The unique
    // constraint still settles two sign-ups racing for one email.
    const taken = () => new SignupRejected({ email: messages.t('signup.errorEmailTaken'), emailTaken: true });
    if ((await this.deps.accounts.findByEmail(input.email)) !== undefined) throw taken();
    const now = new Date(this.deps.clock()).toISOString();
    const account = { id: randomUUID(), email: input.email, passwordHash: await hashPassword(input.password), createdAt: now };
    try {
      await this.deps.accounts.createWithConsents(
        account,
        [
          ...policyDocuments.map((document) => ({
            document,
            policyVersion: current[document].version,
            wording: consentWording(messages),
            method: 'signup' as const,
          })),
          ...(input.newsletter === true ? [newsletterConsent(messages, 'signup')] : []),
        ],
      );
    } catch (error) {
      if (error instanceof EmailTakenError) throw taken();
      throw error;
    }
    return { id: account.id, email: account.email, isAdmin: false, createdAt: now, hasPassword: true };
  }

  /** The account when email and password match; undefined otherwise, after the same work. */
  async authenticate(email: string, password: string): Promise<Account | undefined> {
    const found = await this.deps.accounts.findByEmail(email);
    if (found === undefined) {
      await verifyAgainstNothing(password);
      return undefined;
    }
    if (!(await verifyPassword(found.passwordHash, password))) return undefined;
    const { passwordHash: _omitted, ...account } = found;
    return account;
  }
}
