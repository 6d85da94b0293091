import { defaultMeterSettings, parseMeterSettings } from './meter-settings';

describe('parseMeterSettings', () => {
  it('when the defaults of the spec are given, then they parse unchanged', () => {
    const spec = {
      anonymousLimit: 3,
      registeredLimit: 10,
      period: { kind: 'calendar-month', timeZone: 'UTC' },
      teaserParagraphs: 2,
      onStoreFailure: 'open',
      sections: { investigations: 'premium', puzzles: 'free' },
    };
    expect(parseMeterSettings(spec)).toEqual({ ok: true, value: { ...spec, newReadersPerNetwork: 20, crawlers: ['googlebot', 'bingbot'], gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 } } });
    expect(parseMeterSettings(defaultMeterSettings)).toEqual({ ok: true, value: defaultMeterSettings });
  });

  it("when SPEC section 5's full example is given, then it parses unchanged", () => {
    const example = {
      anonymousLimit: 3,
      registeredLimit: 10,
      period: { kind: 'calendar-month', timeZone: 'UTC' },
      teaserParagraphs: 2,
      onStoreFailure: 'open',
      newReadersPerNetwork: 20,
      crawlers: ['googlebot', 'bingbot'],
      gifts: { perMonth: 10, linkDays: 14, linkReaders: 100 },
      sections: { investigations: 'premium', puzzles: 'free' },
    };
    expect(parseMeterSettings(example)).toEqual({ ok: true, value: example });
    expect(parseMeterSettings({ ...example, newReadersPerNetwork: 0, crawlers: [] })).toMatchObject({ ok: true, value: { newReadersPerNetwork: 0, crawlers: [] } });
    expect(parseMeterSettings({ ...example, gifts: { perMonth: 0 } })).toMatchObject({ ok: true, value: { gifts: { perMonth: 0, linkDays: 14, linkReaders: 100 } } });
  });

  it('when the newer fields are bad, then each is named', () => {
    const result = parseMeterSettings({
      ...defaultMeterSettings,
      newReadersPerNetwork: 1_000_001,
      crawlers: ['googlebot', 'yandex'],
      gifts: { perMonth: -1, linkDays: 0, linkReaders: 1.5, extra: 1 },
    });
    expect(result).toEqual({
      ok: false,
      fields: {
        newReadersPerNetwork: 'must be at most 1000000',
        'crawlers.1': 'must be "googlebot" or "bingbot"',
        'gifts.perMonth': 'must be 0 or more',
        'gifts.linkDays': 'must be at least 1',
        'gifts.linkReaders': 'must be a whole number',
        'gifts.extra': 'is not a meter setting',
      },
    });
    expect(parseMeterSettings({ ...defaultMeterSettings, crawlers: ['bingbot', 'bingbot'] })).toEqual({ ok: false, fields: { crawlers: 'must not name a crawler twice' } });
    expect(parseMeterSettings({ ...defaultMeterSettings, newReadersPerNetwork: -1 })).toEqual({ ok: false, fields: { newReadersPerNetwork: 'must be 0 or more' } });
  });

  it('when the period is rolling, then days are required and bounded', () => {
    const base = { ...defaultMeterSettings };
    expect(parseMeterSettings({ ...base, period: { kind: 'rolling', days: 30 } }).ok).toBe(true);
    expect(parseMeterSettings({ ...base, period: { kind: 'rolling', days: 0 } })).toEqual({ ok: false, fields: { 'period.days': 'must be at least 1' } });
    expect(parseMeterSettings({ ...base, period: { kind: 'rolling' } })).toEqual({ ok: false, fields: { 'period.days': 'is required' } });
  });

  it('when several fields are bad, then each is named', () => {
    const result = parseMeterSettings({
      anonymousLimit: -1,
      registeredLimit: 2.5,
      period: { kind: 'calendar-month', timeZone: 'Mars/Olympus' },
      teaserParagraphs: 'two',
      onStoreFailure: 'maybe',
      sections: { Investigations: 'secret' },
      colour: 'blue',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.fields).sort()).toEqual(
      ['anonymousLimit', 'colour', 'onStoreFailure', 'period.timeZone', 'registeredLimit', 'sections.Investigations', 'teaserParagraphs'].sort(),
    );
    expect(result.fields['period.timeZone']).toContain('IANA time zone');
    expect(result.fields.colour).toBe('is not a meter setting');
  });

  it('when fields are missing, then each missing one is named as required', () => {
    const result = parseMeterSettings({ anonymousLimit: 3 });
    expect(result).toEqual({
      ok: false,
      fields: { registeredLimit: 'is required', period: 'is required', teaserParagraphs: 'is required', onStoreFailure: 'is required', sections: 'is required' },
    });
  });

  it('when the body is not an object, then the error says so', () => {
    expect(parseMeterSettings('nonsense')).toEqual({ ok: false, fields: { body: expect.any(String) } });
  });
});
