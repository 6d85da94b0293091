import type { AccountsRepository } from './accounts.repository';
import { EmailTakenError } from './accounts.repository';
import { AccountsService, SignupRejected } from './accounts.service';
import { hashPassword } from './passwords';
import { buildMessages } from '../http/i18n';

jest.mock('./passwords', () => {
  const actual = jest.requireActual<typeof import('./passwords')>('./passwords');
  return { ...actual, hashPassword: jest.fn(actual.hashPassword) };
});

const policy = (document: 'terms' | 'privacy') => ({ document, version: '1', body: 'text', effectiveAt: '2026-01-01T00:00:00.000Z' });
const policies = { currentPolicies: async () => ({ terms: policy('terms'), privacy: policy('privacy') }) };
const existing = { id: 'a1', email: 'taken@example.com', isAdmin: false, createdAt: '2026-01-01T00:00:00.000Z', passwordHash: 'x' };

describe('sign-up', () => {
  beforeEach(() => jest.mocked(hashPassword).mockClear());

  it('when the email is taken, then it is refused before any password is hashed', async () => {
    const accounts = {
      findByEmail: async (email: string) => (email === existing.email ? existing : undefined),
      createWithConsents: async () => {
        throw new EmailTakenError();
      },
    } as unknown as AccountsRepository;
    const service = new AccountsService({ accounts, policies, passwordMinLength: 8, clock: Date.now, messages: buildMessages('en') });
    const refused = await service.signUp({ email: existing.email, password: 'lantern harbour tide' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(SignupRejected);
    expect((refused as SignupRejected).problems.emailTaken).toBe(true);
    expect(hashPassword).not.toHaveBeenCalled();
  });

  it('when two sign-ups race for one email, then the loser is told the email is taken', async () => {
    const accounts = {
      findByEmail: async () => undefined,
      createWithConsents: async () => {
        throw new EmailTakenError();
      },
    } as unknown as AccountsRepository;
    const service = new AccountsService({ accounts, policies, passwordMinLength: 8, clock: Date.now, messages: buildMessages('en') });
    const refused = await service.signUp({ email: 'racer@example.com', password: 'lantern harbour tide' }).catch((error: unknown) => error);
    expect((refused as SignupRejected).problems.emailTaken).toBe(true);
  });
});
