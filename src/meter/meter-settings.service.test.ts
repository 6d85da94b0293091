import pino from 'pino';
import { defaultMeterSettings, type MeterSettings } from './meter-settings';
import { MeterSettingsService, type SettingsDocuments } from './meter-settings.service';
import type { StoredSetting } from './settings.repository';

/** Settings documents kept in memory; a save commits only when `beforeCommit` resolves, as in the transaction. */
function fakeDocuments(initial?: StoredSetting) {
  let stored = initial;
  const documents: SettingsDocuments & { readonly stored: StoredSetting | undefined } = {
    get stored() {
      return stored;
    },
    get: jest.fn(async () => stored),
    put: jest.fn(async (_name: string, value: unknown, beforeCommit: (version: number) => Promise<void>) => {
      const version = (stored?.version ?? 0) + 1;
      await beforeCommit(version);
      stored = { value, version };
      return version;
    }),
  };
  return documents;
}

function serviceWith(documents: SettingsDocuments, publish: (version: number) => Promise<void> = async () => undefined) {
  const logger = pino({ level: 'silent' });
  const store = { publishSettingsVersion: jest.fn(publish) };
  return { service: new MeterSettingsService({ repository: documents, store, logger }), store, logger };
}

const custom: MeterSettings = { ...defaultMeterSettings, anonymousLimit: 5, onStoreFailure: 'closed' };

describe('MeterSettingsService', () => {
  it('when nothing is loaded yet, then the copy in hand is the defaults at version 0, without I/O', () => {
    const documents = fakeDocuments({ value: custom, version: 4 });
    const { service } = serviceWith(documents);
    expect(service.cachedOrDefault()).toEqual({ value: defaultMeterSettings, version: 0 });
    expect(documents.get).not.toHaveBeenCalled();
  });

  it('when reloaded, then the stored settings and version are kept and the version is published to the store', async () => {
    const { service, store } = serviceWith(fakeDocuments({ value: custom, version: 4 }));
    expect(await service.reload()).toEqual({ value: custom, version: 4 });
    expect(store.publishSettingsVersion).toHaveBeenCalledWith(4);
    expect(service.cachedOrDefault()).toEqual({ value: custom, version: 4 });
  });

  it('when the current settings are asked for twice, then they are read once', async () => {
    const documents = fakeDocuments({ value: custom, version: 2 });
    const { service } = serviceWith(documents);
    await service.current();
    expect(await service.current()).toEqual({ value: custom, version: 2 });
    expect(documents.get).toHaveBeenCalledTimes(1);
  });

  it('when nothing is stored, then the defaults apply at version 0', async () => {
    const { service, store } = serviceWith(fakeDocuments());
    expect(await service.reload()).toEqual({ value: defaultMeterSettings, version: 0 });
    expect(store.publishSettingsVersion).toHaveBeenCalledWith(0);
  });

  it('when the stored settings are invalid, then the defaults apply with the stored version and the problem is logged', async () => {
    const { service, logger } = serviceWith(fakeDocuments({ value: { anonymousLimit: 'many' }, version: 7 }));
    const error = jest.spyOn(logger, 'error');
    expect(await service.reload()).toEqual({ value: defaultMeterSettings, version: 7 });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ issues: expect.any(Array) }), expect.stringContaining('invalid'));
  });

  it('when the version cannot be published on reload, then the settings still load and a warning is logged', async () => {
    const { service, logger } = serviceWith(fakeDocuments({ value: custom, version: 3 }), async () => {
      throw new Error('redis down');
    });
    const warn = jest.spyOn(logger, 'warn');
    expect(await service.reload()).toEqual({ value: custom, version: 3 });
    expect(warn).toHaveBeenCalledTimes(1);
  });

  it('when settings are replaced, then the new version is announced before the save commits, and kept in hand', async () => {
    const documents = fakeDocuments({ value: defaultMeterSettings, version: 1 });
    const { service, store } = serviceWith(documents, async () => {
      // Announced while the save is still open: nothing is committed yet.
      expect(documents.stored?.version).toBe(1);
    });
    expect(await service.replace(custom)).toEqual({ value: custom, version: 2 });
    expect(store.publishSettingsVersion).toHaveBeenCalledWith(2);
    expect(documents.stored).toEqual({ value: custom, version: 2 });
    expect(service.cachedOrDefault()).toEqual({ value: custom, version: 2 });
  });

  it('when the new version cannot be announced, then nothing is saved and the copy in hand is unchanged', async () => {
    const documents = fakeDocuments({ value: defaultMeterSettings, version: 1 });
    const { service } = serviceWith(documents, async () => {
      throw new Error('redis down');
    });
    await expect(service.replace(custom)).rejects.toThrow('redis down');
    expect(documents.stored).toEqual({ value: defaultMeterSettings, version: 1 });
    expect(service.cachedOrDefault()).toEqual({ value: defaultMeterSettings, version: 0 });
  });
});
