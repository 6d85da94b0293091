import pino from 'pino';
import { defaultPresentationSettings } from './presentation-settings';
import { PresentationService } from './presentation.service';
import type { PresentationRepository } from './presentation.repository';

describe('PresentationService', () => {
  it('when a read that started before a save answers after it, then the saved look stays (no older copy put back)', async () => {
    let answerRead: (stored: { value: unknown; version: number }) => void = () => undefined;
    const repository = {
      get: () => new Promise<{ value: unknown; version: number }>((resolve) => (answerRead = resolve)),
      put: async () => 5,
    } as unknown as PresentationRepository;
    const service = new PresentationService({ repository, clock: () => 0, logger: pino({ level: 'silent' }) });
    const reading = service.reload();
    const saved = await service.replace({ ...defaultPresentationSettings, accentColour: '#111111' });
    expect(saved?.version).toBe(5);
    answerRead({ value: { ...defaultPresentationSettings, accentColour: '#222222' }, version: 4 });
    await reading;
    const now = await service.current();
    expect(now.version).toBe(5);
  });
});
