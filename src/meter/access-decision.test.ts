import { decideAccess, effectiveAccess, isFullAccess, meterLimitFor, needsMeter, type ReaderStatus } from './access-decision';
import { defaultMeterSettings } from './meter-settings';

const anonymous: ReaderStatus = { signedIn: false, entitlement: 'none' };
const registered: ReaderStatus = { signedIn: true, entitlement: 'none' };
const subscriber: ReaderStatus = { signedIn: true, entitlement: 'subscriber' };

const decide = (access: 'free' | 'metered' | 'premium', reader: ReaderStatus, meter: 'granted' | 'refused' | 'unavailable' | undefined, extra: { limit?: number; onStoreFailure?: 'open' | 'closed' } = {}) =>
  decideAccess({ access, reader, limit: extra.limit ?? 3, meter, onStoreFailure: extra.onStoreFailure ?? 'open' });

describe('effectiveAccess', () => {
  it('when neither article nor section says, then the article is metered', () => {
    expect(effectiveAccess({ access: undefined, section: 'news' }, {})).toBe('metered');
  });
  it('when the section has a default, then it overrides the metered default', () => {
    expect(effectiveAccess({ access: undefined, section: 'investigations' }, { investigations: 'premium' })).toBe('premium');
    expect(effectiveAccess({ access: undefined, section: 'puzzles' }, { puzzles: 'free' })).toBe('free');
  });
  it("when the article sets its own access, then it overrides the section's", () => {
    expect(effectiveAccess({ access: 'free', section: 'investigations' }, { investigations: 'premium' })).toBe('free');
    expect(effectiveAccess({ access: 'premium', section: 'puzzles' }, { puzzles: 'free' })).toBe('premium');
    expect(effectiveAccess({ access: 'metered', section: 'puzzles' }, { puzzles: 'free' })).toBe('metered');
  });
});

describe('decideAccess: every row of the decision table', () => {
  it.each([anonymous, registered, subscriber])('when the article is free, then free for %j, without the meter', (reader) => {
    expect(decide('free', reader, undefined)).toBe('free');
    expect(needsMeter('free', reader, 3)).toBe(false);
  });

  it('when a subscriber opens a metered or premium article, then subscriber, without the meter', () => {
    expect(decide('metered', subscriber, undefined)).toBe('subscriber');
    expect(decide('premium', subscriber, undefined)).toBe('subscriber');
    expect(needsMeter('metered', subscriber, 10)).toBe(false);
  });

  it('when the meter grants a view, then metered for anonymous and registered readers', () => {
    expect(decide('metered', anonymous, 'granted')).toBe('metered');
    expect(decide('metered', registered, 'granted')).toBe('metered');
  });

  it('when an anonymous reader has used the allowance, then the registration wall', () => {
    expect(decide('metered', anonymous, 'refused')).toBe('registration-wall');
  });

  it('when a registered reader has used the allowance, then the paywall', () => {
    expect(decide('metered', registered, 'refused')).toBe('paywall');
  });

  it('when the article is premium, then the paywall for every non-subscriber, without the meter', () => {
    expect(decide('premium', anonymous, undefined)).toBe('paywall');
    expect(decide('premium', registered, undefined)).toBe('paywall');
    expect(needsMeter('premium', anonymous, 3)).toBe(false);
  });

  it('when the limit is 0, then a hard wall without asking the meter', () => {
    expect(needsMeter('metered', anonymous, 0)).toBe(false);
    expect(decide('metered', anonymous, undefined, { limit: 0 })).toBe('registration-wall');
    expect(decide('metered', registered, undefined, { limit: 0 })).toBe('paywall');
  });

  it('when the store is unavailable and the policy is open, then granted (uncounted)', () => {
    expect(decide('metered', anonymous, 'unavailable', { onStoreFailure: 'open' })).toBe('metered');
    expect(decide('metered', registered, 'unavailable', { onStoreFailure: 'open' })).toBe('metered');
  });

  it('when the store is unavailable and the policy is closed, then the wall', () => {
    expect(decide('metered', anonymous, 'unavailable', { onStoreFailure: 'closed' })).toBe('registration-wall');
    expect(decide('metered', registered, 'unavailable', { onStoreFailure: 'closed' })).toBe('paywall');
  });

  it('when a metered article needs the meter, then only for non-subscribers with a positive limit', () => {
    expect(needsMeter('metered', anonymous, 3)).toBe(true);
    expect(needsMeter('metered', registered, 10)).toBe(true);
  });
});

describe('limits and full access', () => {
  it('when the reader is signed in, then the registered limit applies, else the anonymous one', () => {
    expect(meterLimitFor({ signedIn: false }, defaultMeterSettings)).toBe(3);
    expect(meterLimitFor({ signedIn: true }, defaultMeterSettings)).toBe(10);
  });
  it('when the decision is a wall, then the article is not sent whole', () => {
    expect(['free', 'subscriber', 'metered', 'registration-wall', 'paywall'].map((d) => isFullAccess(d as never))).toEqual([true, true, true, false, false]);
  });
});

describe('a new anonymous reader past the network bound (capped)', () => {
  it('when capped, then the anonymous allowance is 0 and a metered article meets the registration wall, not the paywall', () => {
    const limit = meterLimitFor({ signedIn: false, capped: true }, defaultMeterSettings);
    expect(limit).toBe(0);
    expect(needsMeter('metered', anonymous, limit)).toBe(false);
    expect(decide('metered', anonymous, undefined, { limit })).toBe('registration-wall');
    expect(decide('metered', anonymous, undefined, { limit, onStoreFailure: 'open' })).toBe('registration-wall');
  });
  it('when capped, then free articles stay free; when signed in, the registered allowance applies', () => {
    expect(decide('free', anonymous, undefined, { limit: 0 })).toBe('free');
    expect(meterLimitFor({ signedIn: true, capped: true }, defaultMeterSettings)).toBe(defaultMeterSettings.registeredLimit);
    expect(meterLimitFor({ signedIn: false, capped: false }, defaultMeterSettings)).toBe(defaultMeterSettings.anonymousLimit);
  });
});

describe('a verified search-engine crawler (SPEC sections 5 and 12)', () => {
  const crawler: ReaderStatus = { signedIn: false, entitlement: 'none', crawler: true };

  it('when a verified crawler opens a metered or premium article, then crawler, without the meter, and the whole article', () => {
    expect(decide('metered', crawler, undefined)).toBe('crawler');
    expect(decide('premium', crawler, undefined)).toBe('crawler');
    expect(needsMeter('metered', crawler, 3)).toBe(false);
    expect(isFullAccess('crawler')).toBe(true);
  });

  it('when the article is free or the reader a subscriber, then those come first (free, subscriber, then crawler)', () => {
    expect(decide('free', crawler, undefined)).toBe('free');
    expect(decide('metered', { ...crawler, signedIn: true, entitlement: 'subscriber' }, undefined)).toBe('subscriber');
  });

  it('when the allowance is 0, used up or the store is down with a closed policy, then a crawler still reads', () => {
    expect(decide('metered', crawler, undefined, { limit: 0 })).toBe('crawler');
    expect(decide('metered', crawler, 'refused')).toBe('crawler');
    expect(decide('metered', crawler, 'unavailable', { onStoreFailure: 'closed' })).toBe('crawler');
  });

  it('when the claim was not verified (crawler false), then the reader is decided as anyone else', () => {
    expect(decide('metered', { ...anonymous, crawler: false }, 'refused')).toBe('registration-wall');
    expect(decide('premium', { ...anonymous, crawler: false }, undefined)).toBe('paywall');
  });
});

describe('an institution\'s reader (SPEC sections 5 and 13)', () => {
  const accesses = ['free', 'metered', 'premium'] as const;
  const meters = ['granted', 'refused', 'unavailable', undefined] as const;
  const bases = { anonymous, registered, subscriber, crawler: { signedIn: false, entitlement: 'none', crawler: true } as ReaderStatus };

  // Every combination of article access, reader, meter outcome, limit and failure policy.
  const cases = accesses.flatMap((access) =>
    Object.entries(bases).flatMap(([name, base]) =>
      meters.flatMap((meter) => [0, 3].flatMap((limit) => (['open', 'closed'] as const).map((onStoreFailure) => ({ access, name, base, meter, limit, onStoreFailure })))),
    ),
  );

  it.each(cases)('when $name covered by an institution opens a $access article (meter $meter, limit $limit, $onStoreFailure), then free, subscriber or institution in that order', ({ access, base, meter, limit, onStoreFailure }) => {
    const reader = { ...base, institution: true };
    const expected = access === 'free' ? 'free' : base.entitlement === 'subscriber' ? 'subscriber' : 'institution';
    expect(decide(access, reader, meter, { limit, onStoreFailure })).toBe(expected);
    expect(needsMeter(access, reader, limit)).toBe(false);
    expect(isFullAccess(decide(access, reader, meter, { limit, onStoreFailure }))).toBe(true);
  });

  it('when a capped new reader is covered by an institution, then its allowance of 0 does not wall them', () => {
    const limit = meterLimitFor({ signedIn: false, capped: true }, defaultMeterSettings);
    expect(decide('metered', { ...anonymous, institution: true }, undefined, { limit })).toBe('institution');
  });

  it('when institution is false or absent, then the reader is decided as anyone else', () => {
    expect(decide('metered', { ...anonymous, institution: false }, 'refused')).toBe('registration-wall');
    expect(decide('premium', { ...registered, institution: false }, undefined)).toBe('paywall');
    expect(needsMeter('metered', { ...anonymous, institution: false }, 3)).toBe(true);
  });

  it('when institution and crawler both hold, then institution (it comes first)', () => {
    expect(decide('premium', { ...anonymous, crawler: true, institution: true }, undefined)).toBe('institution');
  });

  it('when the decision is institution, then the whole article is sent; the walls stay cut', () => {
    expect(isFullAccess('institution')).toBe(true);
    expect(isFullAccess('paywall')).toBe(false);
    expect(isFullAccess('registration-wall')).toBe(false);
  });
});

describe('a gift link\'s reader (SPEC sections 5 and 13)', () => {
  const accesses = ['free', 'metered', 'premium'] as const;
  const meters = ['granted', 'refused', 'unavailable', undefined] as const;
  it.each(accesses.flatMap((access) => meters.flatMap((meter) => [anonymous, registered, subscriber].map((base) => ({ access, meter, base })))))(
    'when a reader with a gift opens a $access article (meter $meter), then free, subscriber or gift in that order, never the meter',
    ({ access, meter, base }) => {
      const reader = { ...base, gift: true };
      const expected = access === 'free' ? 'free' : base.entitlement === 'subscriber' ? 'subscriber' : 'gift';
      expect(decide(access, reader, meter, { limit: 0, onStoreFailure: 'closed' })).toBe(expected);
      expect(needsMeter(access, reader, 3)).toBe(false);
    },
  );
  it('when a gift reader is also an institution\'s or a verified crawler, then those come first', () => {
    expect(decide('premium', { ...anonymous, gift: true, institution: true }, undefined)).toBe('institution');
    expect(decide('premium', { ...anonymous, gift: true, crawler: true }, undefined)).toBe('crawler');
  });
  it('when the decision is gift, then the whole article is sent', () => {
    expect(isFullAccess('gift')).toBe(true);
  });
});
