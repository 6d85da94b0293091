import pino from 'pino';
import { InstitutionsService } from './institutions.service';
import { VerifiedEmails } from './verified-emails';

const logger = pino({ level: 'silent' });
const city = { id: 'city-library', name: 'City Library', ipRanges: ['203.0.113.0/24'], emailDomains: ['library.example'] };

function fakeRepository(initial?: { value: unknown; version: number }) {
  let stored = initial;
  return {
    get: jest.fn(async () => {
      if (stored instanceof Error) throw stored;
      return stored;
    }),
    put: jest.fn(async (value: unknown) => (stored = { value, version: (stored?.version ?? 0) + 1 }).version),
    set: (next: { value: unknown; version: number } | undefined) => (stored = next),
  };
}

describe('InstitutionsService', () => {
  it('when asked within the ttl, then the copy in hand answers; past it, the database is read again and a new version applies', async () => {
    let now = 0;
    const repository = fakeRepository({ value: [city], version: 1 });
    const service = new InstitutionsService({ repository, clock: () => now, logger, ttlMs: 5000 });
    expect((await service.current()).directory.byAddress('203.0.113.9')?.name).toBe('City Library');
    repository.set({ value: [{ ...city, name: 'Renamed' }], version: 2 });
    now = 4999;
    expect((await service.current()).directory.byAddress('203.0.113.9')?.name).toBe('City Library');
    now = 5000;
    expect((await service.current()).directory.byAddress('203.0.113.9')?.name).toBe('Renamed');
    expect(repository.get).toHaveBeenCalledTimes(2);
  });

  it('when views arrive together on an expired copy, then they share one read', async () => {
    const repository = fakeRepository({ value: [city], version: 1 });
    const service = new InstitutionsService({ repository, clock: () => 0, logger });
    await Promise.all([service.current(), service.current(), service.current()]);
    expect(repository.get).toHaveBeenCalledTimes(1);
  });

  it('when the database cannot be read, then the copy in hand (or none) answers, never an error', async () => {
    let now = 0;
    const repository = fakeRepository({ value: [city], version: 1 });
    const service = new InstitutionsService({ repository, clock: () => now, logger, ttlMs: 10 });
    await service.current();
    repository.get.mockRejectedValueOnce(new Error('down'));
    now = 100;
    expect((await service.current()).directory.byAddress('203.0.113.9')?.id).toBe('city-library');
    const fresh = new InstitutionsService({ repository: { get: jest.fn(async () => Promise.reject(new Error('down'))), put: jest.fn() }, clock: () => 0, logger });
    expect((await fresh.current()).directory.byAddress('203.0.113.9')).toBeUndefined();
  });

  it('when the stored document is invalid, then no institution applies', async () => {
    const service = new InstitutionsService({ repository: fakeRepository({ value: [{ id: 'BAD' }], version: 3 }), clock: () => 0, logger });
    expect((await service.current()).directory.institutions).toEqual([]);
  });

  it('when a list is saved, then this instance uses it at once', async () => {
    const repository = fakeRepository(undefined);
    const service = new InstitutionsService({ repository, clock: () => 0, logger });
    expect((await service.current()).version).toBe(0);
    await service.replace([city]);
    expect((await service.current())).toMatchObject({ version: 1 });
    expect((await service.current()).directory.byEmail('r@a.library.example')?.id).toBe('city-library');
  });
});

describe('VerifiedEmails', () => {
  it('when an account is asked for within the ttl, then one query; unverified answers nothing and is asked again sooner; verified is kept longer', async () => {
    let now = 0;
    let account: { email: string; emailVerifiedAt?: string } = { email: 'r@library.example' };
    const accounts = { findById: jest.fn(async () => account) };
    const emails = new VerifiedEmails({ accounts, clock: () => now, logger, ttlMs: 60_000, unverifiedTtlMs: 5_000 });
    expect(await emails.of('acc1')).toBeUndefined();
    account = { email: 'r@library.example', emailVerifiedAt: '2026-11-01T00:00:00Z' };
    now = 4_999;
    expect(await emails.of('acc1')).toBeUndefined();
    now = 5_000;
    expect(await emails.of('acc1')).toBe('r@library.example');
    account = { email: 'r@elsewhere.example', emailVerifiedAt: '2026-11-02T00:00:00Z' };
    now = 64_999;
    expect(await emails.of('acc1')).toBe('r@library.example');
    now = 65_000;
    expect(await emails.of('acc1')).toBe('r@elsewhere.example');
    expect(accounts.findById).toHaveBeenCalledTimes(3);
  });

  it('when many accounts are asked for at once, then each is one query', async () => {
    const accounts = { findById: jest.fn(async (id: string) => ({ email: `${id}@library.example`, emailVerifiedAt: 'x' })) };
    const emails = new VerifiedEmails({ accounts, clock: () => 0, logger });
    const answers = await Promise.all(['a', 'a', 'b', 'a', 'b'].map((id) => emails.of(id)));
    expect(answers).toEqual(['a@library.example', 'a@library.example', 'b@library.example', 'a@library.example', 'b@library.example']);
    expect(accounts.findById).toHaveBeenCalledTimes(2);
  });

  it('when the database fails, then no email (and the next view asks again); a missing account has none', async () => {
    const accounts = { findById: jest.fn<Promise<{ email: string; emailVerifiedAt?: string } | undefined>, [string]>(async () => Promise.reject(new Error('down'))) };
    const emails = new VerifiedEmails({ accounts, clock: () => 0, logger });
    expect(await emails.of('acc1')).toBeUndefined();
    accounts.findById.mockResolvedValueOnce(undefined);
    expect(await emails.of('acc1')).toBeUndefined();
    expect(accounts.findById).toHaveBeenCalledTimes(2);
  });
});
