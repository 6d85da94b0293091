import pino from 'pino';
import type { GatedArticle } from './access';
import type { Entitlement } from './access-decision';
import { meterArticleId } from './article-id';
import type { EntitlementLookup } from './entitlements.repository';
import { GateService, type EntitlementSource } from './gate.service';
import { defaultMeterSettings, type MeterSettings } from './meter-settings';
import type { MeterSettingsSource, VersionedSettings } from './meter-settings.service';
import { MeterStoreUnavailable, type MeterState, type MeterStore, type ViewAnswer, type ViewQuery } from './meter-store';

const now = Date.UTC(2030, 10, 15, 12);
const endOfNovember = new Date(Date.UTC(2030, 11, 1));
const metered: GatedArticle = { slug: 'a-story', section: 'news', access: undefined };
const free: GatedArticle = { slug: 'a-notice', section: 'news', access: 'free' };
const premium: GatedArticle = { slug: 'an-investigation', section: 'news', access: 'premium' };
const anonymous = { anonymousId: 'anon1' };
const member = { accountId: 'acc1', anonymousId: 'anon1' };

const meter = (used: number, granted = true, alreadyCounted = false): MeterState => ({ granted, used, alreadyCounted, oldestReadAtMs: undefined });
const ok = (state: MeterState | undefined, entitlement: 'none' | 'subscriber' = 'none'): ViewAnswer => ({ kind: 'ok', entitlement, meter: state });

function fakeSettings(initial: Partial<MeterSettings> = {}, version = 1) {
  let current: VersionedSettings = { value: { ...defaultMeterSettings, ...initial }, version };
  const source: MeterSettingsSource & { storedVersion: number } = {
    storedVersion: version,
    current: jest.fn(async () => current),
    reload: jest.fn(async () => (current = { ...current, version: source.storedVersion })),
    cachedOrDefault: jest.fn(() => current),
  };
  return source;
}

/** A store that answers the queued answers in turn, then the last one again. */
function fakeStore(...answers: (ViewAnswer | Error)[]) {
  const queries: ViewQuery[] = [];
  const store: jest.Mocked<MeterStore> = {
    view: jest.fn(async (query: ViewQuery) => {
      queries.push(query);
      const next = answers.length > 1 ? answers.shift()! : answers[0]!;
      if (next instanceof Error) throw next;
      return next;
    }),
    carryOver: jest.fn<Promise<void>, Parameters<MeterStore['carryOver']>>(async () => undefined),
    publishSettingsVersion: jest.fn<Promise<void>, [number]>(async () => undefined),
    cacheEntitlement: jest.fn<Promise<void>, Parameters<MeterStore['cacheEntitlement']>>(async () => undefined),
    newReaders: jest.fn<Promise<number>, Parameters<MeterStore['newReaders']>>(async () => 0),
    prune: jest.fn<Promise<void>, [number, number]>(async () => undefined),
    forgetReader: jest.fn<Promise<void>, [string]>(async () => undefined),
    forgetEntitlement: jest.fn<Promise<void>, [string]>(async () => undefined),
  };
  return { store, queries };
}

function fakeEntitlements(entitlement: 'none' | 'subscriber' = 'none', validUntil: Date | null = null): jest.Mocked<EntitlementSource> {
  return {
    lookup: jest.fn<Promise<EntitlementLookup>, [string, Date]>(async () => ({ entitlement, validUntil })),
    entitlementOf: jest.fn<Promise<Entitlement>, [string, Date]>(async () => entitlement),
  };
}

function gateWith(parts: { store: MeterStore; settings?: MeterSettingsSource; entitlements?: EntitlementSource }) {
  const metrics = { accessDecisions: { inc: jest.fn() }, meterStoreErrors: { inc: jest.fn() } };
  const funnel = { record: jest.fn() };
  const logger = pino({ level: 'silent' });
  const gate = new GateService({
    settings: parts.settings ?? fakeSettings(),
    store: parts.store,
    entitlements: parts.entitlements ?? fakeEntitlements(),
    logger,
    clock: () => now,
    metrics,
    funnel,
  });
  return { gate, metrics, funnel, logger };
}

describe('GateService.decide', () => {
  it('when an article is free, then the decision is free and the store only checks settings and entitlement', async () => {
    const { store, queries } = fakeStore(ok(undefined));
    const result = await gateWith({ store }).gate.decide(free, anonymous, 'count');
    expect(result).toMatchObject({ decision: 'free', limit: null, remaining: null, storeUnavailable: false });
    expect(queries[0]).toMatchObject({ mode: 'check', settingsVersion: 1, readerKey: 'a:anon1' });
  });

  it('when the meter grants a metered article, then the decision is metered with the allowance left, counted under the article id', async () => {
    const { store, queries } = fakeStore(ok(meter(1)));
    const result = await gateWith({ store }).gate.decide(metered, anonymous, 'count');
    expect(result).toMatchObject({ decision: 'metered', limit: 3, used: 1, remaining: 2, periodEndsAt: endOfNovember });
    expect(queries[0]).toMatchObject({ mode: 'count', articleId: meterArticleId('a-story'), limit: 3, nowMs: now });
  });

  it('when the meter refuses, then an anonymous reader meets the registration wall and a signed-in one the paywall', async () => {
    const anonymousResult = await gateWith({ store: fakeStore(ok(meter(3, false))).store }).gate.decide(metered, anonymous, 'count');
    const memberResult = await gateWith({ store: fakeStore(ok(meter(10, false))).store }).gate.decide(metered, member, 'count');
    expect(anonymousResult).toMatchObject({ decision: 'registration-wall', remaining: 0 });
    expect(memberResult).toMatchObject({ decision: 'paywall', limit: 10, remaining: 0 });
  });

  it('when a subscriber opens a premium article, then the decision is subscriber with no meter; a non-subscriber meets the paywall', async () => {
    const subscriber = await gateWith({ store: fakeStore(ok(undefined, 'subscriber')).store }).gate.decide(premium, member, 'count');
    const { store, queries } = fakeStore(ok(undefined));
    const other = await gateWith({ store }).gate.decide(premium, member, 'count');
    expect(subscriber).toMatchObject({ decision: 'subscriber', entitlement: 'subscriber', limit: null });
    expect(other).toMatchObject({ decision: 'paywall', limit: null });
    expect(queries[0]).toMatchObject({ mode: 'check', accountId: 'acc1' });
  });

  it('when a section default makes an article free, then the section decides', async () => {
    const settings = fakeSettings({ sections: { news: 'free' } });
    const result = await gateWith({ store: fakeStore(ok(undefined)).store, settings }).gate.decide(metered, anonymous, 'count');
    expect(result.decision).toBe('free');
  });

  it('when the reader is capped, then the allowance is 0: the registration wall, without asking the meter to count', async () => {
    const { store, queries } = fakeStore(ok(undefined));
    const result = await gateWith({ store }).gate.decide(metered, { anonymousId: 'anon2', capped: true }, 'count');
    expect(result).toMatchObject({ decision: 'registration-wall', limit: 0, remaining: 0 });
    expect(queries[0]?.mode).toBe('check');
  });

  describe('a new reader (no cookie yet) on a counted view', () => {
    const newReader = () => {
      const issue = jest.fn<void, [boolean]>();
      return { reader: { anonymousId: 'fresh1', newReader: { networkKey: 'net1', expireAtMs: now + 3_600_000, issue } }, issue };
    };

    it('when the store counts them within the bound, then the same call meters them and they get an uncapped id', async () => {
      const { reader, issue } = newReader();
      const { store, queries } = fakeStore({ kind: 'ok', entitlement: 'none', meter: meter(1), capped: false });
      const result = await gateWith({ store, settings: fakeSettings({ newReadersPerNetwork: 7 }) }).gate.decide(metered, reader, 'count');
      expect(result).toMatchObject({ decision: 'metered', limit: 3, remaining: 2 });
      expect(queries).toHaveLength(1);
      expect(queries[0]).toMatchObject({ mode: 'count', readerKey: 'a:fresh1', limit: 3, newReader: { networkKey: 'net1', bound: 7, expireAtMs: now + 3_600_000 } });
      expect(issue.mock.calls).toEqual([[false]]);
    });

    it('when the store answers them past the bound, then they meet the registration wall with an allowance of 0 and get a capped id', async () => {
      const { reader, issue } = newReader();
      const { store } = fakeStore({ kind: 'ok', entitlement: 'none', meter: meter(0, false), capped: true });
      const result = await gateWith({ store }).gate.decide(metered, reader, 'count');
      expect(result).toMatchObject({ decision: 'registration-wall', limit: 0, remaining: 0 });
      expect(issue.mock.calls).toEqual([[true]]);
    });

    it('when settings are stale first, then the retry carries the new reader and they are issued once', async () => {
      const { reader, issue } = newReader();
      const settings = fakeSettings({}, 1);
      settings.storedVersion = 2;
      const { store, queries } = fakeStore({ kind: 'stale-settings' }, { kind: 'ok', entitlement: 'none', meter: meter(1), capped: false });
      await gateWith({ store, settings }).gate.decide(metered, reader, 'count');
      expect(queries.map((q) => q.newReader?.networkKey)).toEqual(['net1', 'net1']);
      expect(issue).toHaveBeenCalledTimes(1);
    });

    it('when the store is down, then the policy decides and they get an uncapped id', async () => {
      const { reader, issue } = newReader();
      const { store } = fakeStore(new MeterStoreUnavailable(new Error('down')));
      const result = await gateWith({ store }).gate.decide(metered, reader, 'count');
      expect(result).toMatchObject({ decision: 'metered', storeUnavailable: true });
      expect(issue.mock.calls).toEqual([[false]]);
    });

    it('when the article turns out not to meter, then nothing is counted against the network and no id is issued', async () => {
      const { reader, issue } = newReader();
      const { store, queries } = fakeStore(ok(undefined));
      const result = await gateWith({ store, settings: fakeSettings({ sections: { news: 'free' } }) }).gate.decide(metered, reader, 'count');
      expect(result.decision).toBe('free');
      expect(queries[0]).toMatchObject({ mode: 'check', newReader: undefined });
      expect(issue).not.toHaveBeenCalled();
    });
  });

  it('when the store says the settings are stale, then they are reloaded and the view retried with the new version', async () => {
    const settings = fakeSettings({}, 1);
    settings.storedVersion = 2;
    const { store, queries } = fakeStore({ kind: 'stale-settings' }, ok(meter(1)));
    const result = await gateWith({ store, settings }).gate.decide(metered, anonymous, 'count');
    expect(settings.reload).toHaveBeenCalledTimes(1);
    expect(queries.map((q) => q.settingsVersion)).toEqual([1, 2]);
    expect(result.decision).toBe('metered');
  });

  it('when the cached entitlement is missing, then it is looked up, cached no longer than a past_due grant lasts, and the view retried', async () => {
    const entitlements = fakeEntitlements('subscriber', new Date(now + 90_500));
    const { store, queries } = fakeStore({ kind: 'entitlement-unknown' }, ok(undefined, 'subscriber'));
    const result = await gateWith({ store, entitlements }).gate.decide(metered, member, 'count');
    expect(entitlements.lookup).toHaveBeenCalledWith('acc1', new Date(now));
    expect(store.cacheEntitlement).toHaveBeenCalledWith('acc1', 'subscriber', 91);
    expect(queries).toHaveLength(2);
    expect(result.decision).toBe('subscriber');
  });

  it('when a lookup finds a grant that does not lapse, then it is cached without a ttl of its own', async () => {
    const { store } = fakeStore({ kind: 'entitlement-unknown' }, ok(meter(1)));
    await gateWith({ store, entitlements: fakeEntitlements('none') }).gate.decide(metered, member, 'count');
    expect(store.cacheEntitlement).toHaveBeenCalledWith('acc1', 'none', undefined);
  });

  it('when the store cannot be reached, then onStoreFailure decides with the cached settings and the metric counts it', async () => {
    const open = gateWith({ store: fakeStore(new MeterStoreUnavailable(new Error('down'))).store, settings: fakeSettings({ onStoreFailure: 'open' }) });
    const closed = gateWith({ store: fakeStore(new MeterStoreUnavailable(new Error('down'))).store, settings: fakeSettings({ onStoreFailure: 'closed' }) });
    const opened = await open.gate.decide(metered, anonymous, 'count');
    expect(opened).toMatchObject({ decision: 'metered', storeUnavailable: true, limit: 3, remaining: null, used: 0 });
    expect(await closed.gate.decide(metered, anonymous, 'count')).toMatchObject({ decision: 'registration-wall', storeUnavailable: true });
    expect(open.metrics.meterStoreErrors.inc).toHaveBeenCalledTimes(1);
    expect(open.metrics.accessDecisions.inc).toHaveBeenCalledWith({ decision: 'metered' });
  });

  it('when the store is down, then a subscriber keeps reading on the database entitlement', async () => {
    const entitlements = fakeEntitlements('subscriber');
    const settings = fakeSettings({ onStoreFailure: 'closed' });
    const result = await gateWith({ store: fakeStore(new MeterStoreUnavailable(new Error('down'))).store, settings, entitlements }).gate.decide(premium, member, 'count');
    expect(result).toMatchObject({ decision: 'subscriber', storeUnavailable: true });
    expect(entitlements.entitlementOf).toHaveBeenCalledWith('acc1', new Date(now));
  });

  it('when the store keeps answering stale settings, then after three tries onStoreFailure decides', async () => {
    const { store, queries } = fakeStore({ kind: 'stale-settings' });
    const result = await gateWith({ store }).gate.decide(metered, anonymous, 'count');
    expect(queries).toHaveLength(3);
    expect(result.storeUnavailable).toBe(true);
  });

  it('when an error is not an outage, then it is thrown, not hidden behind onStoreFailure', async () => {
    const { store } = fakeStore(new TypeError('a bug'));
    await expect(gateWith({ store }).gate.decide(metered, anonymous, 'count')).rejects.toThrow('a bug');
  });

  it('when a view is counted, then its funnel stage is recorded; a peek, a preview and a free article record none', async () => {
    const { gate, funnel } = gateWith({ store: fakeStore(ok(meter(1))).store });
    await gate.decide(metered, anonymous, 'count');
    await gate.decide(metered, anonymous, 'peek');
    await gate.decide(metered, anonymous, 'preview');
    expect(funnel.record.mock.calls).toEqual([['metered', 'a:anon1']]);
    const walled = gateWith({ store: fakeStore(ok(meter(10, false))).store });
    await walled.gate.decide(metered, member, 'count');
    expect(walled.funnel.record).toHaveBeenCalledWith('paywall', 'u:acc1');
    const freeGate = gateWith({ store: fakeStore(ok(undefined)).store });
    await freeGate.gate.decide(free, anonymous, 'count');
    expect(freeGate.funnel.record).not.toHaveBeenCalled();
  });

  it('when previewing a new article the meter would grant, then the answer counts it as the view would, counting nothing', async () => {
    const { store, queries } = fakeStore(ok(meter(1, true, false)));
    const result = await gateWith({ store }).gate.decide(metered, anonymous, 'preview');
    expect(result).toMatchObject({ decision: 'metered', used: 2, remaining: 1 });
    expect(queries[0]?.mode).toBe('peek');
  });

  it('when a reader has no id yet, then the meter is peeked as an empty reader, never counted', async () => {
    const { store, queries } = fakeStore(ok(meter(0)));
    await gateWith({ store }).gate.decide(metered, {}, 'count');
    expect(queries[0]).toMatchObject({ mode: 'peek', readerKey: 'a:-' });
  });
});

describe('GateService.meterOf', () => {
  it('when asked for a reader, then it answers the allowance, use and period end, peeking with no article', async () => {
    const { store, queries } = fakeStore(ok(meter(4)));
    const { gate, funnel, metrics } = gateWith({ store });
    expect(await gate.meterOf(member)).toEqual({ settings: expect.any(Object), entitlement: 'none', limit: 10, used: 4, remaining: 6, periodEndsAt: endOfNovember });
    expect(queries[0]).toMatchObject({ mode: 'peek', readerKey: 'u:acc1', accountId: 'acc1' });
    expect(queries[0]?.articleId).toBeUndefined();
    expect(funnel.record).not.toHaveBeenCalled();
    expect(metrics.accessDecisions.inc).not.toHaveBeenCalled();
  });

  it('when the reader is capped, then the allowance is 0 and the store only checks', async () => {
    const { store, queries } = fakeStore(ok(undefined));
    expect(await gateWith({ store }).gate.meterOf({ capped: true })).toMatchObject({ limit: 0, used: 0, remaining: 0 });
    expect(queries[0]).toMatchObject({ mode: 'check', readerKey: 'a:-' });
  });

  it('when the settings are stale, then they are reloaded first, as for a view', async () => {
    const settings = fakeSettings({}, 1);
    settings.storedVersion = 5;
    const { store, queries } = fakeStore({ kind: 'stale-settings' }, ok(meter(2)));
    expect(await gateWith({ store, settings }).gate.meterOf(anonymous)).toMatchObject({ limit: 3, used: 2, remaining: 1 });
    expect(queries.map((q) => q.settingsVersion)).toEqual([1, 5]);
  });

  it('when the store cannot be reached, then the meter reads as empty, with the database entitlement', async () => {
    const { store } = fakeStore(new MeterStoreUnavailable(new Error('down')));
    const { gate, metrics } = gateWith({ store, entitlements: fakeEntitlements('subscriber') });
    expect(await gate.meterOf(member)).toMatchObject({ entitlement: 'subscriber', limit: 10, used: 0, remaining: 10 });
    expect(metrics.meterStoreErrors.inc).toHaveBeenCalledTimes(1);
  });
});

describe('GateService.carryOver and forgetAccount', () => {
  it('when a reader signs in with an anonymous id, then its reads in the window are carried into the account', async () => {
    const { store } = fakeStore(ok(undefined));
    await gateWith({ store }).gate.carryOver('anon1', 'acc1');
    expect(store.carryOver).toHaveBeenCalledWith('a:anon1', 'u:acc1', expect.objectContaining({ startMs: Date.UTC(2030, 10, 1) }), now);
  });

  it('when carrying over fails, then sign-in is not blocked', async () => {
    const { store } = fakeStore(ok(undefined));
    store.carryOver.mockRejectedValue(new MeterStoreUnavailable(new Error('down')));
    await expect(gateWith({ store }).gate.carryOver('anon1', 'acc1')).resolves.toBeUndefined();
  });

  it('when an account is forgotten, then its meter and cached entitlement are dropped', async () => {
    const { store } = fakeStore(ok(undefined));
    await gateWith({ store }).gate.forgetAccount('acc1');
    expect(store.forgetReader).toHaveBeenCalledWith('u:acc1');
    expect(store.forgetEntitlement).toHaveBeenCalledWith('acc1');
  });

  it('when dropping the meter fails, then the entitlement is still dropped and nothing throws', async () => {
    const { store } = fakeStore(ok(undefined));
    store.forgetReader.mockRejectedValue(new MeterStoreUnavailable(new Error('down')));
    store.forgetEntitlement.mockRejectedValue(new MeterStoreUnavailable(new Error('down')));
    const { gate, logger } = gateWith({ store });
    const warn = jest.spyOn(logger, 'warn');
    await expect(gate.forgetAccount('acc1')).resolves.toBeUndefined();
    expect(store.forgetEntitlement).toHaveBeenCalledWith('acc1');
    expect(warn).toHaveBeenCalledTimes(2);
  });
});

describe('GateService.decide for a verified crawler (SPEC section 12)', () => {
  it('when a verified crawler opens a metered or premium article, then crawler, the store only checks, no limit and no funnel stage', async () => {
    const { store, queries } = fakeStore(ok(undefined));
    const { gate, funnel, metrics } = gateWith({ store });
    const onMetered = await gate.decide(metered, { crawler: true }, 'count');
    const onPremium = await gate.decide(premium, { crawler: true }, 'count');
    expect(onMetered).toMatchObject({ decision: 'crawler', limit: null, remaining: null });
    expect(onPremium.decision).toBe('crawler');
    expect(queries.map((q) => q.mode)).toEqual(['check', 'check']);
    expect(funnel.record).not.toHaveBeenCalled();
    expect(metrics.accessDecisions.inc).toHaveBeenCalledWith({ decision: 'crawler' });
  });

  it('when the meter store is down and the policy closed, then a verified crawler still reads, uncounted', async () => {
    const settings = fakeSettings({ onStoreFailure: 'closed' });
    const result = await gateWith({ store: fakeStore(new MeterStoreUnavailable(new Error('down'))).store, settings }).gate.decide(metered, { crawler: true }, 'count');
    expect(result).toMatchObject({ decision: 'crawler', limit: null, storeUnavailable: true });
  });

  it('when an article is free, then free comes before crawler', async () => {
    const result = await gateWith({ store: fakeStore(ok(undefined)).store }).gate.decide(free, { crawler: true }, 'count');
    expect(result.decision).toBe('free');
  });
});

describe('GateService.decide for an institution\'s reader (SPEC section 13)', () => {
  const covered = (base: { accountId?: string; anonymousId?: string }) => {
    const countReader = jest.fn<void, [string]>();
    return { reader: { ...base, institution: { id: 'city-library', name: 'City Library', countReader } }, countReader };
  };

  it('when covered, then institution on metered and premium articles, the store only checks, no limit, the name in the result and the reader counted once per counted view', async () => {
    const { reader, countReader } = covered(anonymous);
    const { store, queries } = fakeStore(ok(undefined));
    const { gate, funnel } = gateWith({ store, settings: fakeSettings({ anonymousLimit: 0 }) });
    const onMetered = await gate.decide(metered, reader, 'count');
    const onPremium = await gate.decide(premium, reader, 'count');
    expect(onMetered).toMatchObject({ decision: 'institution', limit: null, remaining: null, institution: { id: 'city-library', name: 'City Library' } });
    expect(onPremium.decision).toBe('institution');
    expect(queries.map((q) => q.mode)).toEqual(['check', 'check']);
    expect(queries.every((q) => q.newReader === undefined)).toBe(true);
    expect(funnel.record).not.toHaveBeenCalled();
    expect(countReader.mock.calls).toEqual([['a:anon1'], ['a:anon1']]);
  });

  it('when a peek or a preview is decided institution, then nothing is counted', async () => {
    const { reader, countReader } = covered(member);
    const { gate } = gateWith({ store: fakeStore(ok(undefined)).store });
    expect((await gate.decide(metered, reader, 'peek')).decision).toBe('institution');
    expect((await gate.decide(metered, reader, 'preview')).decision).toBe('institution');
    expect(countReader).not.toHaveBeenCalled();
  });

  it('when the covered reader is a subscriber or the article free, then those decide, no institution is named and nothing is counted', async () => {
    const { reader, countReader } = covered(member);
    const asSubscriber = await gateWith({ store: fakeStore(ok(undefined, 'subscriber')).store }).gate.decide(premium, reader, 'count');
    expect(asSubscriber.decision).toBe('subscriber');
    expect(asSubscriber.institution).toBeUndefined();
    const onFree = await gateWith({ store: fakeStore(ok(undefined)).store }).gate.decide(free, reader, 'count');
    expect(onFree.decision).toBe('free');
    expect(onFree.institution).toBeUndefined();
    expect(countReader).not.toHaveBeenCalled();
  });

  it('when the meter store is down and the policy closed, then the covered reader still reads', async () => {
    const { reader } = covered(anonymous);
    const settings = fakeSettings({ onStoreFailure: 'closed' });
    const result = await gateWith({ store: fakeStore(new MeterStoreUnavailable(new Error('down'))).store, settings }).gate.decide(metered, reader, 'count');
    expect(result).toMatchObject({ decision: 'institution', storeUnavailable: true, institution: { name: 'City Library' } });
  });

  it('when a reader is not covered, then no institution is named', async () => {
    const result = await gateWith({ store: fakeStore(ok(meter(1))).store }).gate.decide(metered, anonymous, 'count');
    expect(result.decision).toBe('metered');
    expect(result.institution).toBeUndefined();
  });
});
